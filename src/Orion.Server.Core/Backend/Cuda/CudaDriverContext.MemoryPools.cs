using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Stream-ordered memory pools. A CUDA memory pool belongs to a device, not to a context: the device's
/// default pool (<c>cuDeviceGetDefaultMemPool</c>) and its current pool (<c>cuDeviceSetMemPool</c>) are
/// shared by every context of the process, and so by every session a server process runs. A session must
/// not see or change another's pool state (a release threshold it sets, memory another keeps cached, usage
/// figures), so each context creates a pool of its own and uses it where a program expects the device's
/// default pool; <see cref="AllocateAsync"/> takes from it with <c>cuMemAllocFromPoolAsync</c> rather than
/// <c>cuMemAllocAsync</c> (which would take from the device's current pool). Since destroying a context does
/// not destroy pools, <see cref="ReleaseMemoryPools"/> frees what they hold and destroys them first.
/// </summary>
internal sealed unsafe partial class CudaDriverContext
{
    private const int MemoryLocationDevice = CuMemLocation.TypeDevice;

    /// <summary>Pools this context created (its default pool among them); only these are handed to the driver.</summary>
    private readonly HashSet<nint> _pools = [];

    /// <summary>Stream-ordered allocations not yet freed, so that the context's end frees them (pools outlive contexts).</summary>
    private readonly HashSet<ulong> _poolAllocations = [];

    private nint _defaultPool;

    public CudaStatus GetDefaultMemoryPool(out GpuMemoryPoolHandle pool)
    {
        pool = default;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (_defaultPool == 0)
        {
            // Created as the driver creates a device's default pool: pinned device memory, no export
            // handles, no size limit, release threshold 0 and every reuse policy on (the driver's defaults).
            status = CreatePool(new MemoryPoolProperties(0, 0), out nint created);
            if (status != CudaStatus.Success)
            {
                return status;
            }

            _defaultPool = created;
        }

        pool = new GpuMemoryPoolHandle(_defaultPool);
        return CudaStatus.Success;
    }

    public CudaStatus CreateMemoryPool(in MemoryPoolProperties properties, out GpuMemoryPoolHandle pool)
    {
        pool = default;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        status = CreatePool(properties, out nint created);
        pool = new GpuMemoryPoolHandle(created);
        return status;
    }

    private CudaStatus CreatePool(in MemoryPoolProperties properties, out nint pool)
    {
        pool = 0;
        int device;
        CudaStatus status = CudaDriverApi.CtxGetDevice(&device);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        CuMemPoolProps props = default; // reserved bytes zero, as the driver requires
        props.AllocType = CuMemPoolProps.AllocationTypePinned;
        props.HandleTypes = CuMemPoolProps.HandleTypeNone;
        props.Location.Type = MemoryLocationDevice;
        props.Location.Id = device;
        props.MaxSize = (nuint)properties.MaxBytes;
        props.Usage = properties.Usage;
        nint created;
        status = CudaDriverApi.MemPoolCreate(&created, &props);
        if (status == CudaStatus.Success)
        {
            _pools.Add(created);
            pool = created;
        }

        return status;
    }

    public CudaStatus DestroyMemoryPool(GpuMemoryPoolHandle pool)
    {
        CudaStatus status = Ready(pool);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // The default pool lives as long as the context, as a device's default pool cannot be destroyed.
        if (pool.Value == _defaultPool)
        {
            return CudaStatus.InvalidValue;
        }

        // Allocations still out stay valid: the driver releases the pool once they are freed.
        status = CudaDriverApi.MemPoolDestroy(pool.Value);
        if (status == CudaStatus.Success)
        {
            _pools.Remove(pool.Value);
        }

        return status;
    }

    public CudaStatus SetMemoryPoolAttribute(GpuMemoryPoolHandle pool, MemoryPoolAttributeId attribute, ulong value)
    {
        CudaStatus status = Ready(pool);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // Unknown attributes are refused here: the width of the value the driver reads depends on it.
        if (!MemoryPoolAttributes.CanSet(attribute, value))
        {
            return CudaStatus.InvalidValue;
        }

        if (MemoryPoolAttributes.IsReusePolicy(attribute))
        {
            int flag = (int)value;
            return CudaDriverApi.MemPoolSetAttribute(pool.Value, (int)attribute, &flag);
        }

        ulong wide = value;
        return CudaDriverApi.MemPoolSetAttribute(pool.Value, (int)attribute, &wide);
    }

    public CudaStatus GetMemoryPoolAttribute(GpuMemoryPoolHandle pool, MemoryPoolAttributeId attribute, out ulong value)
    {
        value = 0;
        CudaStatus status = Ready(pool);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!MemoryPoolAttributes.IsKnown(attribute))
        {
            return CudaStatus.InvalidValue;
        }

        if (MemoryPoolAttributes.IsReusePolicy(attribute))
        {
            int flag = 0;
            status = CudaDriverApi.MemPoolGetAttribute(pool.Value, (int)attribute, &flag);
            value = (ulong)(uint)flag;
            return status;
        }

        ulong wide = 0;
        status = CudaDriverApi.MemPoolGetAttribute(pool.Value, (int)attribute, &wide);
        value = wide;
        return status;
    }

    public CudaStatus TrimMemoryPool(GpuMemoryPoolHandle pool, ulong minBytesToKeep) =>
        Ready(pool) is var s && s != CudaStatus.Success ? s : CudaDriverApi.MemPoolTrimTo(pool.Value, (nuint)minBytesToKeep);

    public CudaStatus AllocateFromPoolAsync(ulong bytes, GpuMemoryPoolHandle pool, GpuStreamHandle stream, out ulong address)
    {
        address = 0;
        CudaStatus status = Ready(stream);
        if (status == CudaStatus.Success && !_pools.Contains(pool.Value))
        {
            status = CudaStatus.InvalidHandle;
        }

        if (status != CudaStatus.Success)
        {
            return status;
        }

        ulong pointer;
        status = CudaDriverApi.MemAllocFromPoolAsync(&pointer, (nuint)bytes, pool.Value, stream.Value);
        if (status == CudaStatus.Success)
        {
            address = pointer;
            _poolAllocations.Add(pointer);
        }

        return status;
    }

    public CudaStatus AllocateAsync(ulong bytes, GpuStreamHandle stream, out ulong address)
    {
        address = 0;
        // The stream first: a bad one must not create the default pool on its way to being refused.
        CudaStatus status = Ready(stream);
        GpuMemoryPoolHandle pool = default;
        if (status == CudaStatus.Success)
        {
            status = GetDefaultMemoryPool(out pool);
        }

        return status != CudaStatus.Success ? status : AllocateFromPoolAsync(bytes, pool, stream, out address);
    }

    /// <summary><see cref="MakeCurrent"/>, then checks that <paramref name="pool"/> is one this context created.</summary>
    private CudaStatus Ready(GpuMemoryPoolHandle pool) => Ready(_pools.Contains(pool.Value));

    /// <summary>A freed address is no longer the context's to free at its end.</summary>
    private void ForgetPoolAllocation(CudaStatus freed, ulong address)
    {
        if (freed == CudaStatus.Success)
        {
            _poolAllocations.Remove(address);
        }
    }

    /// <summary>
    /// Before the context is destroyed: waits for its work, frees the stream-ordered allocations still out and
    /// destroys its pools, which gives their memory back to the device. Best effort: a context whose device
    /// faulted refuses these calls (its process is ended by process isolation; docs/server.md).
    /// </summary>
    private void ReleaseMemoryPools()
    {
        if ((_pools.Count == 0 && _poolAllocations.Count == 0) || MakeCurrent() != CudaStatus.Success)
        {
            return;
        }

        CudaDriverApi.CtxSynchronize();
        foreach (ulong address in _poolAllocations)
        {
            CudaDriverApi.MemFreeAsync(address, 0);
        }

        CudaDriverApi.CtxSynchronize();
        foreach (nint pool in _pools)
        {
            CudaDriverApi.MemPoolDestroy(pool);
        }

        _poolAllocations.Clear();
        _pools.Clear();
        _defaultPool = 0;
    }
}
