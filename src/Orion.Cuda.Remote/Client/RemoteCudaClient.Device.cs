namespace Orion.Cuda.Remote.Client;

public sealed partial class RemoteCudaClient
{
    private readonly Lock _deviceGate = new();
    private int _currentDevice;

    /// <summary>The device later calls use (per client, not per thread).</summary>
    public int CurrentDevice => Volatile.Read(ref _currentDevice);

    /// <summary>Selects the device later calls use; checked here against the devices the server offered.</summary>
    public CudaStatus SetDevice(int device)
    {
        if ((uint)device >= (uint)Devices.Count)
        {
            return CudaStatus.InvalidDevice;
        }
        // The device this client remembers and the order of SetDevice records must agree: the last
        // thread to set one is the last whose record the server runs.
        lock (_deviceGate)
        {
            Volatile.Write(ref _currentDevice, device);
            return Remote.SetDevice((uint)device);
        }
    }

    /// <summary>Waits for all work of the current device (<c>cuCtxSynchronize</c>).</summary>
    public CudaStatus Synchronize() => Remote.SynchronizeDevice();

    /// <summary>Destroys the current device's context on the server and everything in it.</summary>
    public CudaStatus DeviceReset() => Remote.ResetDevice();

    public CudaStatus GetMemoryInfo(out ulong freeBytes, out ulong totalBytes) => Remote.GetMemoryInfo(out freeBytes, out totalBytes);

    /// <summary><c>cuCtxGetLimit</c>; <paramref name="limit"/> is a <c>CUlimit</c> value.</summary>
    public CudaStatus GetLimit(int limit, out ulong value) => Remote.GetLimit(limit, out value);

    /// <summary><c>cuCtxSetLimit</c>.</summary>
    public CudaStatus SetLimit(int limit, ulong value) => Remote.SetLimit(limit, value);

    public CudaStatus GetStreamPriorityRange(out int leastPriority, out int greatestPriority) =>
        Remote.GetStreamPriorityRange(out leastPriority, out greatestPriority);

    public CudaStatus CanAccessPeer(int device, int peerDevice, out bool canAccess)
    {
        canAccess = false;
        if ((uint)device >= (uint)Devices.Count || (uint)peerDevice >= (uint)Devices.Count)
        {
            return CudaStatus.InvalidDevice;
        }
        return Remote.CanAccessPeer((uint)device, (uint)peerDevice, out canAccess);
    }
}
