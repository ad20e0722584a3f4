namespace Orion.Cuda.Remote.Client;

// Stream-ordered memory pools. Pool handles are chosen here, as stream handles are; a pool lives on the
// device that was current when it was created or bound. The pool a session sees as a device's default pool
// is the session's own on the server (IMemoryPoolCalls says why).
public sealed partial class RemoteCudaClient
{
    /// <summary><c>CU_MEM_ALLOCATION_TYPE_PINNED</c>: the allocation type of every pool.</summary>
    public const int MemoryPoolAllocationPinned = 1;

    /// <summary><c>cuMemPoolCreate</c> on the current device: pinned memory, no export handles (<paramref name="handleTypes"/> 0).</summary>
    public CudaStatus CreateMemoryPool(ulong maxBytes, ushort usage, out ulong pool, int allocationType = MemoryPoolAllocationPinned, int handleTypes = 0)
    {
        var handle = NewHandle();
        var status = Remote.CreateMemoryPool(handle, allocationType, handleTypes, maxBytes, usage);
        pool = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    /// <summary><c>cuMemPoolDestroy</c>.</summary>
    public CudaStatus DestroyMemoryPool(ulong pool) => Remote.DestroyMemoryPool(pool);

    /// <summary><c>cuDeviceGetDefaultMemPool</c> of the current device: the same handle on every call until the device is reset.</summary>
    public CudaStatus GetDefaultMemoryPool(out ulong pool)
    {
        var status = Remote.GetDefaultMemoryPool(NewHandle(), out pool);
        pool = status == CudaStatus.Success ? pool : 0;
        return status;
    }

    /// <summary><c>cuDeviceSetMemPool</c> of the current device: <see cref="AllocateAsync"/> takes from <paramref name="pool"/> from now on.</summary>
    public CudaStatus SetCurrentMemoryPool(ulong pool) => Remote.SetCurrentMemoryPool(pool);

    /// <summary><c>cuMemPoolSetAttribute</c>; <paramref name="attribute"/> is a <c>CUmemPool_attribute</c>.</summary>
    public CudaStatus SetMemoryPoolAttribute(ulong pool, int attribute, ulong value) => Remote.SetMemoryPoolAttribute(pool, attribute, value);

    /// <summary><c>cuMemPoolGetAttribute</c>.</summary>
    public CudaStatus GetMemoryPoolAttribute(ulong pool, int attribute, out ulong value) => Remote.GetMemoryPoolAttribute(pool, attribute, out value);

    /// <summary><c>cuMemPoolTrimTo</c>.</summary>
    public CudaStatus TrimMemoryPool(ulong pool, ulong minBytesToKeep) => Remote.TrimMemoryPool(pool, minBytesToKeep);

    /// <summary><c>cuMemAllocFromPoolAsync</c>: needs the address back, so it waits for the reply; free it with <see cref="FreeAsync"/>.</summary>
    public CudaStatus AllocateFromPoolAsync(ulong bytes, ulong pool, ulong stream, out ulong address)
    {
        address = 0;
        var status = RefuseWhileCapturing(stream) ?? Remote.AllocateFromPoolAsync(bytes, pool, stream, out address);
        address = status == CudaStatus.Success ? address : 0;
        return status;
    }
}
