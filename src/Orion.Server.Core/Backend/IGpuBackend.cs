
namespace Orion.Server.Core.Backend;

/// <summary>
/// A source of GPUs for the server: the CUDA driver (<c>Backend/Cuda</c>) or the emulated device
/// (<c>Backend/Emulated</c>). Driver-level semantics; every call returns the driver's status
/// (<see cref="CudaStatus"/>, values identical to <c>CUresult</c>) instead of throwing, so that codes
/// travel unchanged to the client.
/// </summary>
/// <remarks>
/// The members of this interface may be called from any thread, concurrently. Device ordinals
/// are the backend's own (0..count-1); the server maps the devices it exposes onto them.
/// </remarks>
public interface IGpuBackend : IDisposable
{
    /// <summary>A human-readable description for logs, e.g. "CUDA driver 13.0" or "Orion emulated device".</summary>
    string Description { get; }

    /// <summary>True for the emulated device; the server never presents it as a GPU unless asked to.</summary>
    bool IsEmulated { get; }

    /// <summary><c>cuDriverGetVersion</c>: e.g. 13000 for CUDA 13.0.</summary>
    CudaStatus GetDriverVersion(out int version);

    /// <summary><c>cuDeviceGetCount</c>.</summary>
    CudaStatus GetDeviceCount(out int count);

    /// <summary>Name, UUID, total memory, PCI bus id and every <c>CUdevice_attribute</c> of one device.</summary>
    CudaStatus GetDeviceInfo(int device, out GpuDeviceInfo? info);

    /// <summary>
    /// What NVML reports about the whole card (identity, sensors, clocks, the driver's version strings), for the
    /// NVML replacement: every reading the host cannot tell is <see cref="DeviceReadingValue.NotSupported"/> (or
    /// the code the host's NVML answered), never an error of the call. The memory readings are the card's; the
    /// session replaces them with its own view. Fails only for a device that does not exist.
    /// </summary>
    CudaStatus QueryDeviceStatus(int device, out DeviceStatus status);

    /// <summary><c>cuDeviceCanAccessPeer</c>.</summary>
    CudaStatus CanAccessPeer(int device, int peerDevice, out bool canAccess);

    /// <summary>
    /// Creates a context of its own for one session on <paramref name="device"/> (<c>cuCtxCreate</c>,
    /// never the primary context, so that one tenant's kernels cannot address another's memory).
    /// Called on the session's executor thread; see <see cref="IGpuContext"/> for the threading contract.
    /// </summary>
    CudaStatus CreateContext(int device, out IGpuContext? context);
}
