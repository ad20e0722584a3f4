using Orion.Cuda.Protocol.Description;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>
/// What monitoring tools ask NVML (the <c>libnvidia-ml.so.1</c> replacement, native/nvml_front_end), answered
/// by the server as the calling session may see it: the device's identity, the memory this session holds
/// (never other tenants'), and the card's sensors where the server's NVML reports them.
/// </summary>
[RemoteCallArea("Monitoring")]
public interface IMonitoringCalls
{
    /// <summary>
    /// One device's identity and readings (<see cref="DeviceStatus"/>). <paramref name="device"/> is the
    /// session's device number; the call creates no context and leaves the current device as it is.
    /// </summary>
    [RemoteCall(140, CallMode.Synchronous)]
    CudaStatus GetDeviceStatus(uint device, out DeviceStatus deviceStatus);
}
