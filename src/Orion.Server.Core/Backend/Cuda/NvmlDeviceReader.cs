using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Reads a card's identity and sensors from the host's NVML (<c>libnvidia-ml.so.1</c>) for the NVML replacement's
/// wire call. NVML is optional: it is loaded and initialised on first use, once per process, and when it is absent
/// (or lacks an entry point, or fails to initialise) every reading it would give stays "not supported" while the
/// server keeps serving. What NVML answers for a reading (not supported on a passively cooled card's fan, say)
/// travels as it is. A CUDA device is found in NVML by its UUID (NVML numbers devices by PCI order, CUDA by its
/// own), else by its PCI bus id.
/// </summary>
internal sealed unsafe class NvmlDeviceReader
{
    private static readonly Lazy<NvmlDeviceReader> SharedReader = new(() => new NvmlDeviceReader(NvmlApi.LibraryName));

    private readonly nint _library;
    private readonly ConcurrentDictionary<string, nint> _handles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<nint, CardIdentity> _identities = new();

    /// <summary>Loads <paramref name="libraryName"/> and runs <c>nvmlInit_v2</c>; a failure leaves the reader unavailable.</summary>
    internal NvmlDeviceReader(string libraryName)
    {
        if (!NativeLibrary.TryLoad(libraryName, out _library))
        {
            Unavailable = $"{libraryName} not found";
            return;
        }
        if (!Has("nvmlInit_v2"))
        {
            Unavailable = $"{libraryName} has no nvmlInit_v2";
            return;
        }
        var initialized = NvmlApi.Init();
        if (initialized != 0)
        {
            Unavailable = $"nvmlInit_v2 failed with NVML error {initialized}";
            return;
        }
        IsAvailable = true;
    }

    /// <summary>The process's reader of the host's NVML, made on first use.</summary>
    public static NvmlDeviceReader Shared => SharedReader.Value;

    public bool IsAvailable { get; }

    /// <summary>Why NVML is not used (for logs), or null.</summary>
    public string? Unavailable { get; }

    /// <summary>What NVML knows that does not change while the server runs.</summary>
    private sealed record CardIdentity(
        (int Status, string Text) Serial,
        (int Status, string Text) DriverVersion,
        (int Status, string Text) NvmlVersion,
        Dictionary<DeviceReading, DeviceReadingValue> Readings);

    /// <summary>
    /// Fills <paramref name="readings"/> (indexed by <see cref="DeviceReading"/>) with what NVML reports about the
    /// device of <paramref name="uuid"/> (the driver's 16 bytes) or, failing that, <paramref name="pciBusId"/>; the
    /// readings NVML cannot give are left as they are (the caller's driver values, or not supported).
    /// </summary>
    public void Fill(ReadOnlySpan<byte> uuid, string pciBusId, DeviceReadingValue[] readings, ref string serial, ref string driverVersion,
        ref string nvmlVersion)
    {
        if (!IsAvailable)
        {
            return;
        }
        FindDevice(uuid, pciBusId, out var device);
        var identity = _identities.GetOrAdd(device, ReadIdentity);
        foreach (var (reading, value) in identity.Readings)
        {
            readings[(int)reading] = value;
        }
        if (identity.Serial.Status == 0)
        {
            serial = identity.Serial.Text;
        }
        readings[(int)DeviceReading.Serial] = new DeviceReadingValue(identity.Serial.Status, 0);
        if (identity.DriverVersion.Status == 0)
        {
            driverVersion = identity.DriverVersion.Text;
        }
        readings[(int)DeviceReading.DriverVersion] = new DeviceReadingValue(identity.DriverVersion.Status, 0);
        if (identity.NvmlVersion.Status == 0)
        {
            nvmlVersion = identity.NvmlVersion.Text;
        }
        readings[(int)DeviceReading.NvmlVersion] = new DeviceReadingValue(identity.NvmlVersion.Status, 0);
        if (device != 0)
        {
            ReadSensors(device, readings);
        }
    }

    /// <summary>NVML's form of a UUID: "GPU-" and the 16 bytes as 8-4-4-4-12 lowercase hex digits, in the driver's order.</summary>
    public static string FormatUuid(ReadOnlySpan<byte> uuid)
    {
        var hex = Convert.ToHexStringLower(uuid);
        return $"GPU-{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private bool FindDevice(ReadOnlySpan<byte> uuid, string pciBusId, out nint device)
    {
        var key = FormatUuid(uuid);
        if (_handles.TryGetValue(key, out device))
        {
            return device != 0;
        }
        nint found = 0;
        if (Has("nvmlDeviceGetHandleByUUID"))
        {
            var text = Encoding.ASCII.GetBytes(key + "\0");
            fixed (byte* pointer = text)
            {
                if (NvmlApi.DeviceGetHandleByUuid(pointer, &found) != 0)
                {
                    found = 0;
                }
            }
        }
        if (found == 0 && pciBusId.Length > 0 && Has("nvmlDeviceGetHandleByPciBusId_v2"))
        {
            var text = Encoding.ASCII.GetBytes(pciBusId + "\0");
            fixed (byte* pointer = text)
            {
                if (NvmlApi.DeviceGetHandleByPciBusId(pointer, &found) != 0)
                {
                    found = 0;
                }
            }
        }
        _handles[key] = found;
        device = found;
        return found != 0;
    }

    /// <summary>The identity of <paramref name="device"/>, or only the system's version strings when it is 0 (NVML does not know the card).</summary>
    private CardIdentity ReadIdentity(nint device)
    {
        var readings = new Dictionary<DeviceReading, DeviceReadingValue>();
        byte* text = stackalloc byte[96];
        (int, string) Text(string entryPoint, delegate*<byte*, uint, int> query)
        {
            if (!Has(entryPoint))
            {
                return (NvmlApi.NotSupported, string.Empty);
            }
            var status = query(text, 96);
            return (status, status == 0 ? Marshal.PtrToStringUTF8((nint)text) ?? string.Empty : string.Empty);
        }
        var driverVersion = Text("nvmlSystemGetDriverVersion", &NvmlApi.SystemGetDriverVersion);
        var nvmlVersion = Text("nvmlSystemGetNVMLVersion", &NvmlApi.SystemGetNvmlVersion);
        if (Has("nvmlSystemGetCudaDriverVersion_v2"))
        {
            int version;
            readings[DeviceReading.CudaDriverVersion] = Reading(NvmlApi.SystemGetCudaDriverVersion(&version), (ulong)version);
        }
        if (device == 0)
        {
            return new CardIdentity((NvmlApi.NotSupported, string.Empty), driverVersion, nvmlVersion, readings);
        }

        (int, string) serial = (NvmlApi.NotSupported, string.Empty);
        if (Has("nvmlDeviceGetSerial"))
        {
            var status = NvmlApi.DeviceGetSerial(device, text, 96);
            serial = (status, status == 0 ? Marshal.PtrToStringUTF8((nint)text) ?? string.Empty : string.Empty);
        }
        if (Has("nvmlDeviceGetBrand"))
        {
            int brand;
            readings[DeviceReading.Brand] = Reading(NvmlApi.DeviceGetBrand(device, &brand), (uint)brand);
        }
        if (Has("nvmlDeviceGetArchitecture"))
        {
            uint architecture;
            readings[DeviceReading.Architecture] = Reading(NvmlApi.DeviceGetArchitecture(device, &architecture), architecture);
        }
        if (Has("nvmlDeviceGetPciInfo_v3"))
        {
            NvmlPciInfo pci;
            var status = NvmlApi.DeviceGetPciInfo(device, &pci);
            readings[DeviceReading.PciDeviceId] = Reading(status, pci.PciDeviceId);
            readings[DeviceReading.PciSubsystemId] = Reading(status, pci.PciSubSystemId);
            if (status == 0)
            {
                readings[DeviceReading.PciDomain] = Reading(status, pci.Domain);
                readings[DeviceReading.PciBus] = Reading(status, pci.Bus);
                readings[DeviceReading.PciDevice] = Reading(status, pci.Device);
            }
        }
        if (Has("nvmlDeviceGetMinorNumber"))
        {
            uint minor;
            readings[DeviceReading.MinorNumber] = Reading(NvmlApi.DeviceGetMinorNumber(device, &minor), minor);
        }
        if (Has("nvmlDeviceGetBAR1MemoryInfo"))
        {
            NvmlMemory bar1;
            readings[DeviceReading.Bar1Total] = Reading(NvmlApi.DeviceGetBar1MemoryInfo(device, &bar1), bar1.Total);
        }
        if (Has("nvmlDeviceGetMemoryInfo"))
        {
            NvmlMemory memory;
            var status = NvmlApi.DeviceGetMemoryInfo(device, &memory);
            if (status == 0)
            {
                // The card's total only: its used and free figures show every tenant's memory and never leave the server.
                readings[DeviceReading.MemoryTotal] = Reading(status, memory.Total);
            }
        }
        if (Has("nvmlDeviceGetMaxClockInfo"))
        {
            for (var clock = 0; clock < 4; clock++)
            {
                uint megahertz;
                readings[DeviceReading.MaxClockGraphics + clock] = Reading(NvmlApi.DeviceGetMaxClockInfo(device, clock, &megahertz), megahertz);
            }
        }
        return new CardIdentity(serial, driverVersion, nvmlVersion, readings);
    }

    /// <summary>The readings that change: utilization, temperature, power, clocks, modes.</summary>
    private void ReadSensors(nint device, DeviceReadingValue[] readings)
    {
        void Set(DeviceReading reading, int status, ulong value) => readings[(int)reading] = Reading(status, value);
        if (Has("nvmlDeviceGetUtilizationRates"))
        {
            NvmlUtilization utilization;
            var status = NvmlApi.DeviceGetUtilizationRates(device, &utilization);
            Set(DeviceReading.UtilizationGpu, status, utilization.Gpu);
            Set(DeviceReading.UtilizationMemory, status, utilization.Memory);
        }
        uint value;
        int state;
        if (Has("nvmlDeviceGetTemperature"))
        {
            Set(DeviceReading.Temperature, NvmlApi.DeviceGetTemperature(device, 0, &value), value); // NVML_TEMPERATURE_GPU
        }
        if (Has("nvmlDeviceGetPowerUsage"))
        {
            Set(DeviceReading.PowerUsage, NvmlApi.DeviceGetPowerUsage(device, &value), value);
        }
        if (Has("nvmlDeviceGetEnforcedPowerLimit"))
        {
            Set(DeviceReading.EnforcedPowerLimit, NvmlApi.DeviceGetEnforcedPowerLimit(device, &value), value);
        }
        if (Has("nvmlDeviceGetPowerManagementLimit"))
        {
            Set(DeviceReading.PowerManagementLimit, NvmlApi.DeviceGetPowerManagementLimit(device, &value), value);
        }
        if (Has("nvmlDeviceGetPerformanceState"))
        {
            Set(DeviceReading.PerformanceState, NvmlApi.DeviceGetPerformanceState(device, &state), (uint)state);
        }
        if (Has("nvmlDeviceGetClockInfo"))
        {
            for (var clock = 0; clock < 4; clock++)
            {
                Set(DeviceReading.ClockGraphics + clock, NvmlApi.DeviceGetClockInfo(device, clock, &value), value);
            }
        }
        if (Has("nvmlDeviceGetComputeMode"))
        {
            Set(DeviceReading.ComputeMode, NvmlApi.DeviceGetComputeMode(device, &state), (uint)state);
        }
        if (Has("nvmlDeviceGetPersistenceMode"))
        {
            Set(DeviceReading.PersistenceMode, NvmlApi.DeviceGetPersistenceMode(device, &state), (uint)state);
        }
        if (Has("nvmlDeviceGetDisplayMode"))
        {
            Set(DeviceReading.DisplayMode, NvmlApi.DeviceGetDisplayMode(device, &state), (uint)state);
        }
        if (Has("nvmlDeviceGetDisplayActive"))
        {
            Set(DeviceReading.DisplayActive, NvmlApi.DeviceGetDisplayActive(device, &state), (uint)state);
        }
        if (Has("nvmlDeviceGetMigMode"))
        {
            uint pending;
            var status = NvmlApi.DeviceGetMigMode(device, &value, &pending);
            Set(DeviceReading.MigModeCurrent, status, value);
            Set(DeviceReading.MigModePending, status, pending);
        }
        if (Has("nvmlDeviceGetFanSpeed"))
        {
            Set(DeviceReading.FanSpeed, NvmlApi.DeviceGetFanSpeed(device, &value), value);
        }
    }

    /// <summary>A reading as NVML answered it: the value only with success, the code as it is otherwise.</summary>
    private static DeviceReadingValue Reading(int status, ulong value) => status == 0 ? DeviceReadingValue.Of(value) : new DeviceReadingValue(status, 0);

    /// <summary>Whether the loaded NVML exports the entry point (an older NVML may lack newer ones).</summary>
    private bool Has(string entryPoint) => _library != 0 && NativeLibrary.TryGetExport(_library, entryPoint, out _);
}
