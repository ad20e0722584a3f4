using Orion.Cuda.Protocol.Description;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>
/// Stream-ordered memory pools (<c>cuMemPool*</c>). A pool lives on the device that was current when
/// it was created or bound. Every session has pools of its own only: the pool a session sees as a
/// device's default pool is the session's, not the device's process-wide default pool, so that one
/// tenant's attributes (a release threshold) or usage never reach another's.
/// </summary>
[RemoteCallArea("MemoryPools")]
public interface IMemoryPoolCalls
{
    /// <summary><c>cuMemPoolCreate</c> on the current device. <paramref name="allocationType"/> and
    /// <paramref name="handleTypes"/> are <c>CUmemPoolProps</c>' fields (pinned memory, no export handles are
    /// what a remote device can serve); <paramref name="maxBytes"/> 0 is the driver's default.</summary>
    [RemoteCall(70, CallMode.Synchronous)]
    CudaStatus CreateMemoryPool([Handle(HandleKind.MemoryPool, New = true)] ulong pool, int allocationType, int handleTypes, ulong maxBytes, ushort usage);

    /// <summary><c>cuMemPoolDestroy</c>. Allocations still out stay valid until freed, as the driver keeps them.</summary>
    [RemoteCall(71, CallMode.Synchronous)]
    CudaStatus DestroyMemoryPool([Handle(HandleKind.MemoryPool)] ulong pool);

    /// <summary>
    /// <c>cuDeviceGetDefaultMemPool</c> on the current device: binds <paramref name="pool"/> to the session's
    /// default pool there, unless a handle already names it; <paramref name="boundPool"/> is the handle in use.
    /// </summary>
    [RemoteCall(72, CallMode.Synchronous)]
    CudaStatus GetDefaultMemoryPool([Handle(HandleKind.MemoryPool, New = true)] ulong pool, out ulong boundPool);

    /// <summary><c>cuDeviceSetMemPool</c> on the current device: the pool <c>cuMemAllocAsync</c> (<c>AllocateAsync</c>)
    /// takes from; the pool must live on that device.</summary>
    [RemoteCall(73, CallMode.Synchronous)]
    CudaStatus SetCurrentMemoryPool([Handle(HandleKind.MemoryPool)] ulong pool);

    /// <summary><c>cuMemPoolSetAttribute</c>; <paramref name="attribute"/> is a <c>CUmemPool_attribute</c>, the
    /// value widened to 64 bits (the reuse flags are <c>int</c> in CUDA).</summary>
    [RemoteCall(74, CallMode.Synchronous)]
    CudaStatus SetMemoryPoolAttribute([Handle(HandleKind.MemoryPool)] ulong pool, int attribute, ulong value);

    /// <summary><c>cuMemPoolGetAttribute</c>.</summary>
    [RemoteCall(75, CallMode.Synchronous)]
    CudaStatus GetMemoryPoolAttribute([Handle(HandleKind.MemoryPool)] ulong pool, int attribute, out ulong value);

    /// <summary><c>cuMemPoolTrimTo</c>.</summary>
    [RemoteCall(76, CallMode.Synchronous)]
    CudaStatus TrimMemoryPool([Handle(HandleKind.MemoryPool)] ulong pool, ulong minBytesToKeep);

    /// <summary><c>cuMemAllocFromPoolAsync</c>: needs the address back, so the client waits. Sizes are the
    /// driver's to refuse, as for <c>AllocateAsync</c>.</summary>
    [RemoteCall(77, CallMode.Synchronous)]
    CudaStatus AllocateFromPoolAsync(ulong bytes, [Handle(HandleKind.MemoryPool)] ulong pool, [Handle(HandleKind.Stream)] ulong stream, out ulong address);
}
