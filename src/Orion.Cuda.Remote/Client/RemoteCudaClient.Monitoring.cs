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
}
