using System.Globalization;
using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>The card's identity and sensors for the NVML replacement: the driver's facts, then the host NVML's.</summary>
internal sealed unsafe partial class CudaDriverBackend
{
    public CudaStatus QueryDeviceStatus(int device, out DeviceStatus status)
    {
        status = new DeviceStatus();
        CudaStatus result = GetDeviceHandle(device, out int handle);
        if (result != CudaStatus.Success)
        {
            return result;
        }

        byte* text = stackalloc byte[256];
        CuUuid uuid;
        nuint totalBytes;
        if ((result = CudaDriverApi.DeviceGetName(text, 256, handle)) != CudaStatus.Success)
        {
            return result;
        }
        string name = Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;
        if ((result = CudaDriverApi.DeviceGetUuid(&uuid, handle)) != CudaStatus.Success ||
            (result = CudaDriverApi.DeviceTotalMem(&totalBytes, handle)) != CudaStatus.Success)
        {
            return result;
        }
        string pciBusId = CudaDriverApi.DeviceGetPciBusId(text, 256, handle) == CudaStatus.Success
            ? Marshal.PtrToStringUTF8((nint)text) ?? string.Empty
            : string.Empty;

        var readings = Enumerable.Repeat(DeviceReadingValue.Unsupported, DeviceStatus.ReadingCount).ToArray();
        readings[(int)DeviceReading.MemoryTotal] = DeviceReadingValue.Of(totalBytes);
        readings[(int)DeviceReading.CudaDriverVersion] = DeviceReadingValue.Of((ulong)_driverVersion);
        int major, minor;
        if (CudaDriverApi.DeviceGetAttribute(&major, 75, handle) == CudaStatus.Success &&
            CudaDriverApi.DeviceGetAttribute(&minor, 76, handle) == CudaStatus.Success)
        {
            readings[(int)DeviceReading.ComputeCapabilityMajor] = DeviceReadingValue.Of((ulong)major);
            readings[(int)DeviceReading.ComputeCapabilityMinor] = DeviceReadingValue.Of((ulong)minor);
        }
        if (TryParsePciBusId(pciBusId, out uint domain, out uint bus, out uint slot))
        {
            readings[(int)DeviceReading.PciDomain] = DeviceReadingValue.Of(domain);
            readings[(int)DeviceReading.PciBus] = DeviceReadingValue.Of(bus);
            readings[(int)DeviceReading.PciDevice] = DeviceReadingValue.Of(slot);
        }

        var uuidBytes = new ReadOnlySpan<byte>(&uuid, 16).ToArray();
        string serial = string.Empty, driverVersion = string.Empty, nvmlVersion = string.Empty;
        NvmlDeviceReader.Shared.Fill(uuidBytes, pciBusId, readings, ref serial, ref driverVersion, ref nvmlVersion);
        status = new DeviceStatus
        {
            Name = DeviceStatus.Fit(name, DeviceStatus.NameBytes),
            Uuid = uuidBytes,
            Serial = DeviceStatus.Fit(serial, DeviceStatus.SerialBytes),
            DriverVersion = DeviceStatus.Fit(driverVersion, DeviceStatus.VersionBytes),
            NvmlVersion = DeviceStatus.Fit(nvmlVersion, DeviceStatus.VersionBytes),
            Readings = readings,
        };
        return CudaStatus.Success;
    }

    /// <summary>Domain, bus and device of a bus id as the driver writes it ("0000:0b:00.0", hexadecimal).</summary>
    internal static bool TryParsePciBusId(string busId, out uint domain, out uint bus, out uint device)
    {
        domain = bus = device = 0;
        var parts = busId.Split(':');
        if (parts.Length != 3)
        {
            return false;
        }
        var slot = parts[2].Split('.')[0];
        return uint.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out domain)
            && uint.TryParse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bus)
            && uint.TryParse(slot, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out device);
    }
}
