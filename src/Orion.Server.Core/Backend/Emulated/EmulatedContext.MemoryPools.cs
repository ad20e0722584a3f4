namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// Memory pools of the emulated device. A pool's blocks are ordinary allocations of the context (so kernels
/// and copies reach them as any memory); a freed block stays with its pool for reuse until the release
/// threshold, a trim or the pool's end gives it back to the device. The emulated device runs every stream's
/// work at once, so a free has completed when it returns and the release a synchronization would do
/// happens then.
/// </summary>
internal sealed partial class EmulatedContext
{
    /// <summary>Blocks are whole multiples of the emulated device's allocation alignment.</summary>
    private const ulong PoolBlockAlignment = 512;

    private readonly Dictionary<nint, EmulatedMemoryPool> _pools = [];
    private readonly Dictionary<ulong, EmulatedMemoryPool> _poolBlocks = []; // block address → its pool, while in use
    private nint _defaultPool;

    public CudaStatus GetDefaultMemoryPool(out GpuMemoryPoolHandle pool)
    {
        pool = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (_defaultPool == 0)
        {
            _defaultPool = _nextHandle++;
            _pools[_defaultPool] = new EmulatedMemoryPool(isDefault: true, maxBytes: 0);
        }
        pool = new GpuMemoryPoolHandle(_defaultPool);
        return CudaStatus.Success;
    }

    public CudaStatus CreateMemoryPool(in MemoryPoolProperties properties, out GpuMemoryPoolHandle pool)
    {
        pool = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (properties.Usage != 0)
        {
            return CudaStatus.NotSupported; // usage hints (hardware decompression) mean nothing to the emulated device
        }
        var handle = _nextHandle++;
        _pools[handle] = new EmulatedMemoryPool(isDefault: false, properties.MaxBytes);
        pool = new GpuMemoryPoolHandle(handle);
        return CudaStatus.Success;
    }

    public CudaStatus DestroyMemoryPool(GpuMemoryPoolHandle pool)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_pools.TryGetValue(pool.Value, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (entry.IsDefault)
        {
            return CudaStatus.InvalidValue;
        }
        _pools.Remove(pool.Value);
        ReleaseBlocks(entry.Destroy());
        return CudaStatus.Success;
    }

    public CudaStatus SetMemoryPoolAttribute(GpuMemoryPoolHandle pool, MemoryPoolAttributeId attribute, ulong value)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_pools.TryGetValue(pool.Value, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (!MemoryPoolAttributes.CanSet(attribute, value))
        {
            return CudaStatus.InvalidValue;
        }
        entry.Set(attribute, value);
        return CudaStatus.Success;
    }

    public CudaStatus GetMemoryPoolAttribute(GpuMemoryPoolHandle pool, MemoryPoolAttributeId attribute, out ulong value)
    {
        value = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_pools.TryGetValue(pool.Value, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (!MemoryPoolAttributes.IsKnown(attribute))
        {
            return CudaStatus.InvalidValue;
        }
        value = entry.Get(attribute);
        return CudaStatus.Success;
    }

    public CudaStatus TrimMemoryPool(GpuMemoryPoolHandle pool, ulong minBytesToKeep)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_pools.TryGetValue(pool.Value, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        ReleaseBlocks(entry.ReleaseDownTo(minBytesToKeep));
        return CudaStatus.Success;
    }

    public CudaStatus AllocateFromPoolAsync(ulong bytes, GpuMemoryPoolHandle pool, GpuStreamHandle stream, out ulong address)
    {
        address = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_pools.TryGetValue(pool.Value, out var entry) || !ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (bytes == 0)
        {
            return CudaStatus.InvalidValue;
        }
        if (bytes > (ulong)Array.MaxLength)
        {
            return CudaStatus.OutOfMemory;
        }
        var block = (bytes + PoolBlockAlignment - 1) / PoolBlockAlignment * PoolBlockAlignment;
        if (!entry.TryReuse(block, out address))
        {
            if (!entry.HasRoomFor(block))
            {
                // What the pool keeps unused goes first, as the driver trims a pool that reaches its limit.
                ReleaseBlocks(entry.ReleaseDownTo(0));
                if (!entry.HasRoomFor(block))
                {
                    return CudaStatus.OutOfMemory;
                }
            }
            var status = Allocate(block, out address);
            if (status == CudaStatus.OutOfMemory)
            {
                // The device is full: the memory every pool keeps unused is given back before giving up.
                foreach (var other in _pools.Values)
                {
                    ReleaseBlocks(other.ReleaseDownTo(0));
                }
                status = Allocate(block, out address);
            }
            if (status != CudaStatus.Success)
            {
                return status;
            }
            entry.AddBlock(address, block);
        }
        _poolBlocks[address] = entry;
        return CudaStatus.Success;
    }

    /// <summary>A pool block being freed goes back to its pool (or to the device, if the pool was destroyed); false for other memory.</summary>
    private bool TryReturnToPool(ulong address)
    {
        if (!_poolBlocks.Remove(address, out var pool))
        {
            return false;
        }
        if (!pool.Keep(address))
        {
            Release(address);
            return true;
        }
        // The free has completed (the emulated stream is idle): what exceeds the release threshold goes now.
        ReleaseBlocks(pool.ReleaseDownTo(pool.ReleaseThreshold));
        return true;
    }

    private void ReleaseBlocks(List<ulong> blocks)
    {
        foreach (var block in blocks)
        {
            Release(block);
        }
    }

    /// <summary>At the context's end (its allocations, pool blocks among them, are released by <see cref="Dispose"/>).</summary>
    private void ForgetMemoryPools()
    {
        _pools.Clear();
        _poolBlocks.Clear();
        _defaultPool = 0;
    }
}
