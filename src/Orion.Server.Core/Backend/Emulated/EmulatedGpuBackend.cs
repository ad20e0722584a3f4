
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
            _devices[i] = new EmulatedDevice(i, options.MemoryBytes);
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
        var uuid = new byte[16];
        "ORION-EMU"u8.CopyTo(uuid);
        uuid[15] = (byte)device;
        info = new GpuDeviceInfo(DeviceName, new Guid(uuid), _devices[device].TotalBytes,
            EmulatedDeviceAttributes.Create(), "0000:00:00.0", IsEmulated: true);
        return CudaStatus.Success;
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
