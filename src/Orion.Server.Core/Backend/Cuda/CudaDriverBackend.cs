using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// The real GPU backend: the CUDA driver API of <c>libcuda.so.1</c>. Device queries go straight to
/// the driver (they are thread-safe and need no context); each session gets a context of its own
/// from <see cref="CreateContext"/>.
/// </summary>
internal sealed unsafe partial class CudaDriverBackend : IGpuBackend
{
    /// <summary>Attribute numbers asked for; CUDA 13.0 defines 1..147, newer drivers may know more.</summary>
    private const int AttributeProbeLimit = 256;

    private readonly int _deviceCount;
    private readonly int _driverVersion;

    private CudaDriverBackend(int deviceCount, int driverVersion)
    {
        _deviceCount = deviceCount;
        _driverVersion = driverVersion;
        Description = $"CUDA driver {driverVersion / 1000}.{driverVersion % 1000 / 10}, {deviceCount} device(s)";
    }

    public string Description { get; }

    public bool IsEmulated => false;

    /// <summary>
    /// Creates the backend when this host has the CUDA driver and at least one device; otherwise
    /// says why ("libcuda.so.1 not found ...", "no CUDA device ...").
    /// </summary>
    public static bool TryCreate(out IGpuBackend? backend, out string reason)
    {
        backend = null;
        if (!CudaDriverProbe.TryInitialize(out int deviceCount, out reason))
        {
            return false;
        }

        int version;
        CudaStatus status = CudaDriverApi.DriverGetVersion(&version);
        if (status != CudaStatus.Success)
        {
            reason = $"cuDriverGetVersion failed: {CudaDriverErrors.Describe(status)}";
            return false;
        }

        backend = new CudaDriverBackend(deviceCount, version);
        return true;
    }

    public CudaStatus GetDriverVersion(out int version)
    {
        version = _driverVersion;
        return CudaStatus.Success;
    }

    public CudaStatus GetDeviceCount(out int count)
    {
        count = _deviceCount;
        return CudaStatus.Success;
    }

    public CudaStatus GetDeviceInfo(int device, out GpuDeviceInfo? info)
    {
        info = null;
        CudaStatus status = GetDeviceHandle(device, out int handle);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        byte* text = stackalloc byte[256];
        status = CudaDriverApi.DeviceGetName(text, 256, handle);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        string name = Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;
        CuUuid uuid;
        nuint totalBytes;
        if ((status = CudaDriverApi.DeviceGetUuid(&uuid, handle)) != CudaStatus.Success ||
            (status = CudaDriverApi.DeviceTotalMem(&totalBytes, handle)) != CudaStatus.Success)
        {
            return status;
        }

        // The bus id is informational; a driver that cannot tell it leaves it empty.
        string pciBusId = CudaDriverApi.DeviceGetPciBusId(text, 256, handle) == CudaStatus.Success
            ? Marshal.PtrToStringUTF8((nint)text) ?? string.Empty
            : string.Empty;

        int[] attributes = new int[AttributeProbeLimit];
        int highest = 0;
        for (int attribute = 1; attribute < AttributeProbeLimit; attribute++)
        {
            int value;
            status = CudaDriverApi.DeviceGetAttribute(&value, attribute, handle);
            if (status == CudaStatus.Success)
            {
                attributes[attribute] = value;
                highest = attribute;
            }
            else if (status != CudaStatus.InvalidValue)
            {
                // InvalidValue means "attribute unknown to this driver" and leaves the slot 0;
                // anything else is a real failure of the device.
                return status;
            }
        }

        info = new GpuDeviceInfo(
            name,
            new Guid(new ReadOnlySpan<byte>(&uuid, 16)),
            totalBytes,
            attributes.AsSpan(0, highest + 1).ToArray(),
            pciBusId,
            IsEmulated: false);
        return CudaStatus.Success;
    }

    public CudaStatus CanAccessPeer(int device, int peerDevice, out bool canAccess)
    {
        canAccess = false;
        int result;
        CudaStatus status;
        if ((status = GetDeviceHandle(device, out int a)) != CudaStatus.Success ||
            (status = GetDeviceHandle(peerDevice, out int b)) != CudaStatus.Success ||
            (status = CudaDriverApi.DeviceCanAccessPeer(&result, a, b)) != CudaStatus.Success)
        {
            return status;
        }

        canAccess = result != 0;
        return CudaStatus.Success;
    }

    public CudaStatus CreateContext(int device, out IGpuContext? context)
    {
        context = null;
        CudaStatus status = GetDeviceHandle(device, out int handle);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // Scheduling flags stay at "auto": the driver spins while contexts are fewer than cores
        // and yields beyond, which is what a server with a varying number of sessions wants.
        status = CudaContextHandle.TryCreate(handle, flags: 0, out CudaContextHandle? owner);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        context = new CudaDriverContext(device, owner!);
        return CudaStatus.Success;
    }

    /// <summary>The driver's <c>CUdevice</c> for an ordinal the caller chose (the peer controls it):
    /// out of range is <see cref="CudaStatus.InvalidDevice"/> before the driver is asked.</summary>
    private CudaStatus GetDeviceHandle(int device, out int handle)
    {
        handle = 0;
        if ((uint)device >= (uint)_deviceCount)
        {
            return CudaStatus.InvalidDevice;
        }

        int result;
        CudaStatus status = CudaDriverApi.DeviceGet(&result, device);
        handle = result;
        return status;
    }

    public void Dispose()
    {
        // Contexts are owned by their sessions; the driver itself stays loaded for the process.
    }
}
