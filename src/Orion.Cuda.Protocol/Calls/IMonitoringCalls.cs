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

    /// <summary>
    /// The server's vGPU table (what <c>orion smi</c> shows and <c>orion run --gpus</c> counts): every vGPU with the
    /// session holding it (0: free) and one entry per device it does not divide; empty where it divides none.
    /// <paramref name="sessionId"/> is the calling session's id, so that the caller can tell its own vGPU. Answered
    /// <see cref="CudaStatus.NotSupported"/> by a server that cannot see past the session (a worker in process isolation).
    /// </summary>
    [RemoteCall(115, CallMode.Synchronous)]
    CudaStatus GetServerVGpus(out ulong sessionId, [MaxCount(Wire.ProtocolLimits.MaxServerVGpuEntries)] out ServerVGpuStatus[] vgpus);

    /// <summary>
    /// The server's live sessions: <paramref name="sessionCount"/> is how many there are; <paramref name="sessions"/> lists
    /// those the server lets this client see (every session when the server shows them, else only the caller's own;
    /// at most <see cref="Wire.ProtocolLimits.MaxListedSessions"/>). <see cref="CudaStatus.NotSupported"/> as for
    /// <see cref="GetServerVGpus"/>.
    /// </summary>
    [RemoteCall(116, CallMode.Synchronous)]
    CudaStatus GetServerSessions(out uint sessionCount, [MaxCount(Wire.ProtocolLimits.MaxListedSessions)] out ServerSessionStatus[] sessions);
}
