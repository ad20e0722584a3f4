namespace Orion.Cuda.Remote.Client;

public sealed partial class RemoteCudaClient
{
    /// <summary>
    /// What NVML shows about one of this session's devices (the NVML replacement's call): its identity, the
    /// memory this session holds there (never other tenants'), and the card's sensors where the server's NVML
    /// reports them. It does not change the current device and creates no context.
    /// </summary>
    public CudaStatus GetDeviceStatus(int device, out DeviceStatus status)
    {
        if ((uint)device >= (uint)Devices.Count)
        {
            status = new DeviceStatus();
            return CudaStatus.InvalidDevice;
        }
        return Remote.GetDeviceStatus((uint)device, out status);
    }

    /// <summary>
    /// The server's vGPU table: every vGPU with the session holding it (0: free) and an entry per device it does not
    /// divide; empty where it divides none. <paramref name="sessionId"/> is this session's id, to tell its own vGPU.
    /// <see cref="CudaStatus.NotSupported"/> from a server that cannot see past this session (process isolation).
    /// </summary>
    public CudaStatus GetServerVGpus(out ulong sessionId, out ServerVGpuStatus[] vgpus) => Remote.GetServerVGpus(out sessionId, out vgpus);

    /// <summary>
    /// The server's live sessions: how many there are, and those it lets this client see (each with its id, client name,
    /// vGPU and device memory held; every session, or only this one, as the server is configured).
    /// <see cref="CudaStatus.NotSupported"/> as for <see cref="GetServerVGpus"/>.
    /// </summary>
    public CudaStatus GetServerSessions(out int sessionCount, out ServerSessionStatus[] sessions)
    {
        var status = Remote.GetServerSessions(out var count, out sessions);
        sessionCount = (int)Math.Min(count, int.MaxValue);
        return status;
    }
}
