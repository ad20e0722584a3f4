namespace Orion.Server.Core.Backend;

/// <summary>
/// Stream-ordered memory pools. Every pool belongs to the context that made it and is destroyed with it
/// (<see cref="IDisposable.Dispose"/> frees what its pools still hold), including the context's default
/// pool: the pool that stands in for the device's default pool, so that <see cref="AllocateAsync"/> never
/// takes from the process-wide default pool of a device other sessions share.
/// </summary>
public partial interface IGpuContext
{
    /// <summary>The context's own default pool (created on first use); <see cref="AllocateAsync"/> takes from it.</summary>
    CudaStatus GetDefaultMemoryPool(out GpuMemoryPoolHandle pool);

    /// <summary><c>cuMemPoolCreate</c>: pinned memory on this context's device, no export handles.</summary>
    CudaStatus CreateMemoryPool(in MemoryPoolProperties properties, out GpuMemoryPoolHandle pool);

    /// <summary><c>cuMemPoolDestroy</c>; allocations still out stay valid until freed. The default pool cannot be destroyed.</summary>
    CudaStatus DestroyMemoryPool(GpuMemoryPoolHandle pool);

    /// <summary><c>cuMemPoolSetAttribute</c>.</summary>
    CudaStatus SetMemoryPoolAttribute(GpuMemoryPoolHandle pool, MemoryPoolAttributeId attribute, ulong value);

    /// <summary><c>cuMemPoolGetAttribute</c>.</summary>
    CudaStatus GetMemoryPoolAttribute(GpuMemoryPoolHandle pool, MemoryPoolAttributeId attribute, out ulong value);

    /// <summary><c>cuMemPoolTrimTo</c>.</summary>
    CudaStatus TrimMemoryPool(GpuMemoryPoolHandle pool, ulong minBytesToKeep);

    /// <summary><c>cuMemAllocFromPoolAsync</c>; freed with <see cref="FreeAsync"/> or <see cref="Free"/>.</summary>
    CudaStatus AllocateFromPoolAsync(ulong bytes, GpuMemoryPoolHandle pool, GpuStreamHandle stream, out ulong address);
}
