using Orion.Cuda.Protocol.Description;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>Devices and the session's context on each (<c>cuCtx*</c>).</summary>
[RemoteCallArea("Device")]
public interface IDeviceCalls
{
    /// <summary>Selects the device that later calls of the session use (per session, not per thread).</summary>
    [RemoteCall(1, CallMode.Asynchronous)]
    CudaStatus SetDevice(uint device);

    /// <summary><c>cuCtxSynchronize</c> on the current device.</summary>
    [RemoteCall(2, CallMode.Synchronous)]
    CudaStatus SynchronizeDevice();

    /// <summary><c>cuMemGetInfo</c>.</summary>
    [RemoteCall(3, CallMode.Synchronous)]
    CudaStatus GetMemoryInfo(out ulong freeBytes, out ulong totalBytes);

    /// <summary>Destroys the session's context on the current device and everything in it.</summary>
    [RemoteCall(4, CallMode.Synchronous)]
    CudaStatus ResetDevice();

    /// <summary><c>cuCtxGetLimit</c>; <paramref name="limit"/> is a <c>CUlimit</c> value.</summary>
    [RemoteCall(5, CallMode.Synchronous)]
    CudaStatus GetLimit(int limit, out ulong value);

    /// <summary><c>cuCtxSetLimit</c>.</summary>
    [RemoteCall(6, CallMode.Synchronous)]
    CudaStatus SetLimit(int limit, ulong value);

    /// <summary><c>cuCtxGetStreamPriorityRange</c>.</summary>
    [RemoteCall(7, CallMode.Synchronous)]
    CudaStatus GetStreamPriorityRange(out int leastPriority, out int greatestPriority);

    /// <summary><c>cuDeviceCanAccessPeer</c>.</summary>
    [RemoteCall(8, CallMode.Synchronous)]
    CudaStatus CanAccessPeer(uint device, uint peerDevice, out bool canAccess);
}
