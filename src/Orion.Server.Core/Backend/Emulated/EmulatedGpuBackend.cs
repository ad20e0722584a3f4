
namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// A GPU without a GPU: memory, copies, memsets, streams and events behave as CUDA documents them
/// (work runs in order, at once, on the caller's thread); kernels are only those registered in
/// <see cref="EmulatedDeviceOptions.Kernels"/>. It names itself "Orion emulated device" and
/// reports <see cref="GpuDeviceInfo.IsEmulated"/>, so it is never mistaken for a real GPU.
/// </summary>
public sealed class EmulatedGpuBackend : IGpuBackend
{
    public const string DeviceName = "Orion emulated device";
    private const int DriverVersion = 13000;
    private readonly EmulatedDevice[] _devices;
    private readonly EmulatedKernelRegistry _kernels;
    private int _liveContexts;

    public EmulatedGpuBackend(EmulatedDeviceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DeviceCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.DeviceCount, 8);
        _devices = new EmulatedDevice[options.DeviceCount];
        for (var i = 0; i < _devices.Length; i++)
        {
            _devices[i] = new EmulatedDevice(i, options.MemoryBytes) { Observer = options.Observer };
        }
        _kernels = options.Kernels;
    }

    public string Description => $"{DeviceName} x{_devices.Length} (no GPU; registered test kernels only)";

    public bool IsEmulated => true;

    /// <summary>Contexts not yet disposed; tests use it to see that sessions clean up.</summary>
    public int LiveContextCount => Volatile.Read(ref _liveContexts);

    /// <summary>Device memory in use on <paramref name="device"/>, by every context.</summary>
    public ulong UsedBytes(int device) => _devices[device].UsedBytes;

    public CudaStatus GetDriverVersion(out int version)
    {
        version = DriverVersion;
        return CudaStatus.Success;
    }

    public CudaStatus GetDeviceCount(out int count)
    {
        count = _devices.Length;
        return CudaStatus.Success;
    }

    public CudaStatus GetDeviceInfo(int device, out GpuDeviceInfo? info)
    {
        if ((uint)device >= (uint)_devices.Length)
        {
            info = null;
            return CudaStatus.InvalidDevice;
        }
        info = new GpuDeviceInfo(DeviceName, new Guid(EmulatedUuid(device)), _devices[device].TotalBytes,
            EmulatedDeviceAttributes.Create(), "0000:00:00.0", IsEmulated: true);
        return CudaStatus.Success;
    }

    /// <summary>
    /// Readings that say they are emulated: "EMULATED-n" serial, "emulated" in the version strings, round sensor
    /// values, and a fan the device does not have (not supported, as a passively cooled card answers). Memory is
    /// the device's budget and what every context holds (the session replaces both with its own view).
    /// </summary>
    public CudaStatus QueryDeviceStatus(int device, out DeviceStatus status)
    {
        status = new DeviceStatus();
        if ((uint)device >= (uint)_devices.Length)
        {
            return CudaStatus.InvalidDevice;
        }
        var info = _devices[device];
        GetDeviceInfo(device, out var identity);
        var readings = Enumerable.Repeat(DeviceReadingValue.Unsupported, DeviceStatus.ReadingCount).ToArray();
        void Set(DeviceReading reading, ulong value) => readings[(int)reading] = DeviceReadingValue.Of(value);
        Set(DeviceReading.MemoryTotal, info.TotalBytes);
        Set(DeviceReading.MemoryUsed, info.UsedBytes);
        Set(DeviceReading.Bar1Total, EmulatedBar1Bytes);
        Set(DeviceReading.PciDomain, 0);
        Set(DeviceReading.PciBus, 0);
        Set(DeviceReading.PciDevice, 0);
        Set(DeviceReading.PciDeviceId, 0);
        Set(DeviceReading.PciSubsystemId, 0);
        Set(DeviceReading.Brand, 0); // NVML_BRAND_UNKNOWN: no NVIDIA product
        Set(DeviceReading.Architecture, 0xffffffff); // NVML_DEVICE_ARCH_UNKNOWN
        Set(DeviceReading.ComputeCapabilityMajor, (ulong)identity!.GetAttribute(75));
        Set(DeviceReading.ComputeCapabilityMinor, (ulong)identity.GetAttribute(76));
        Set(DeviceReading.MinorNumber, (ulong)device);
        Set(DeviceReading.UtilizationGpu, 0);
        Set(DeviceReading.UtilizationMemory, 0);
        Set(DeviceReading.Temperature, 30);
        Set(DeviceReading.PowerUsage, 10_000);
        Set(DeviceReading.EnforcedPowerLimit, 100_000);
        Set(DeviceReading.PowerManagementLimit, 100_000);
        Set(DeviceReading.PerformanceState, 0);
        Set(DeviceReading.ClockGraphics, 1000);
        Set(DeviceReading.ClockSm, 1000);
        Set(DeviceReading.ClockMemory, 1000);
        Set(DeviceReading.ClockVideo, 1000);
        Set(DeviceReading.MaxClockGraphics, 1000);
        Set(DeviceReading.MaxClockSm, 1000);
        Set(DeviceReading.MaxClockMemory, 1000);
        Set(DeviceReading.MaxClockVideo, 1000);
        Set(DeviceReading.ComputeMode, 0); // NVML_COMPUTEMODE_DEFAULT
        Set(DeviceReading.PersistenceMode, 0);
        Set(DeviceReading.DisplayMode, 0);
        Set(DeviceReading.DisplayActive, 0);
        // MIG mode and the fan stay not supported.
        Set(DeviceReading.Serial, 0);
        Set(DeviceReading.DriverVersion, 0);
        Set(DeviceReading.NvmlVersion, 0);
        Set(DeviceReading.CudaDriverVersion, DriverVersion);
        status = new DeviceStatus
        {
            Name = identity.Name,
            Uuid = EmulatedUuid(device),
            Serial = $"EMULATED-{device}",
            DriverVersion = EmulatedDriverVersion,
            NvmlVersion = EmulatedNvmlVersion,
            Readings = readings,
        };
        return CudaStatus.Success;
    }

    /// <summary>What the emulated device's NVML readings call the driver and NVML versions.</summary>
    public const string EmulatedDriverVersion = "0.0.0-orion-emulated";

    /// <inheritdoc cref="EmulatedDriverVersion"/>
    public const string EmulatedNvmlVersion = "13.0.0.0-orion-emulated";

    private const ulong EmulatedBar1Bytes = 256UL * 1024 * 1024;

    private static byte[] EmulatedUuid(int device)
    {
        var uuid = new byte[16];
        "ORION-EMU"u8.CopyTo(uuid);
        uuid[15] = (byte)device;
        return uuid;
    }

    public CudaStatus CanAccessPeer(int device, int peerDevice, out bool canAccess)
    {
        canAccess = false;
        if ((uint)device >= (uint)_devices.Length || (uint)peerDevice >= (uint)_devices.Length)
        {
            return CudaStatus.InvalidDevice;
        }
        canAccess = device != peerDevice;
        return CudaStatus.Success;
    }

    public CudaStatus CreateContext(int device, out IGpuContext? context)
    {
        if ((uint)device >= (uint)_devices.Length)
        {
            context = null;
            return CudaStatus.InvalidDevice;
        }
        Interlocked.Increment(ref _liveContexts);
        context = new EmulatedContext(_devices[device], _kernels, () => Interlocked.Decrement(ref _liveContexts));
        return CudaStatus.Success;
    }

    public void Dispose()
    {
    }
}
