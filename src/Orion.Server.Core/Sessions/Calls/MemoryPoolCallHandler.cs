using Orion.Cuda.Protocol.Calls;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>
/// The memory pools area: pools the session created on its devices and the session's default pool of each
/// (the context's own pool, never the device's process-wide default pool: <see cref="IMemoryPoolCalls"/>),
/// allocations from them, and the choice of the pool a device's <c>cuMemAllocAsync</c> takes from.
/// </summary>
internal sealed class MemoryPoolCallHandler(SessionObjects objects) : IMemoryPoolCalls
{
    /// <summary><c>CU_MEM_ALLOCATION_TYPE_PINNED</c>, the only allocation type pools have.</summary>
    private const int AllocationTypePinned = 1;

    public CudaStatus CreateMemoryPool(ulong pool, int allocationType, int handleTypes, ulong maxBytes, ushort usage)
    {
        var status = objects.WithContext(out var context) ?? objects.CheckNewHandle(pool) ?? CheckRoom();
        if (status is not null)
        {
            return status.Value;
        }
        if (allocationType != AllocationTypePinned)
        {
            return CudaStatus.InvalidValue;
        }
        if (handleTypes != 0)
        {
            // An exported handle (a file descriptor, a fabric handle) would name memory of the server's
            // process: nothing the client's process could import.
            return CudaStatus.NotSupported;
        }
        var created = context.CreateMemoryPool(new MemoryPoolProperties(maxBytes, usage), out var gpuPool);
        if (created == CudaStatus.Success)
        {
            objects.Tables.TryAddMemoryPool(pool, new SessionTables.MemoryPoolEntry(objects.CurrentDevice, gpuPool, IsDefault: false));
        }
        return created;
    }

    public CudaStatus DestroyMemoryPool(ulong pool)
    {
        if (!objects.Tables.TryGetMemoryPool(pool, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(entry.Device).DestroyMemoryPool(entry.Pool);
        if (status == CudaStatus.Success)
        {
            // Its allocations stay in the session's table until freed: they remain valid, as CUDA keeps them.
            objects.Tables.RemoveMemoryPool(pool);
        }
        return status;
    }

    public CudaStatus GetDefaultMemoryPool(ulong pool, out ulong boundPool)
    {
        boundPool = 0;
        var status = objects.WithContext(out var context);
        if (status is not null)
        {
            return status.Value;
        }
        if (objects.Tables.TryGetDefaultMemoryPool(objects.CurrentDevice, out boundPool))
        {
            return CudaStatus.Success;
        }
        status = objects.CheckNewHandle(pool) ?? CheckRoom();
        if (status is not null)
        {
            return status.Value;
        }
        var found = context.GetDefaultMemoryPool(out var gpuPool);
        if (found == CudaStatus.Success)
        {
            objects.Tables.TryAddMemoryPool(pool, new SessionTables.MemoryPoolEntry(objects.CurrentDevice, gpuPool, IsDefault: true));
            boundPool = pool;
        }
        return found;
    }

    public CudaStatus SetCurrentMemoryPool(ulong pool)
    {
        if (!objects.Tables.TryGetMemoryPool(pool, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (entry.Device != objects.CurrentDevice)
        {
            return CudaStatus.InvalidValue; // a device takes only from a pool of its own memory
        }
        objects.Tables.SetCurrentMemoryPool(entry.Device, pool, entry.IsDefault);
        return CudaStatus.Success;
    }

    public CudaStatus SetMemoryPoolAttribute(ulong pool, int attribute, ulong value) =>
        objects.Tables.TryGetMemoryPool(pool, out var entry)
            ? objects.ContextOf(entry.Device).SetMemoryPoolAttribute(entry.Pool, (MemoryPoolAttributeId)attribute, value)
            : CudaStatus.InvalidHandle;

    public CudaStatus GetMemoryPoolAttribute(ulong pool, int attribute, out ulong value)
    {
        value = 0;
        return objects.Tables.TryGetMemoryPool(pool, out var entry)
            ? objects.ContextOf(entry.Device).GetMemoryPoolAttribute(entry.Pool, (MemoryPoolAttributeId)attribute, out value)
            : CudaStatus.InvalidHandle;
    }

    public CudaStatus TrimMemoryPool(ulong pool, ulong minBytesToKeep) =>
        objects.Tables.TryGetMemoryPool(pool, out var entry)
            ? objects.ContextOf(entry.Device).TrimMemoryPool(entry.Pool, minBytesToKeep)
            : CudaStatus.InvalidHandle;

    public CudaStatus AllocateFromPoolAsync(ulong bytes, ulong pool, ulong stream, out ulong address)
    {
        address = 0;
        if (!objects.Tables.TryGetMemoryPool(pool, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        // The stream must be of the pool's device (a stream of another device is an unknown handle there).
        // Not on a capturing stream: the graph would own an address the session records as its own.
        var status = objects.ResolveStream(stream, entry.Device, out var gpuStream)
            ?? CaptureGuard.RefuseWhileCapturing(objects.ContextOf(entry.Device), gpuStream)
            ?? objects.RefuseBeyondLimits(entry.Device, bytes)
            ?? objects.ContextOf(entry.Device).AllocateFromPoolAsync(bytes, entry.Pool, gpuStream, out address);
        if (status == CudaStatus.Success)
        {
            objects.Tables.AddAllocation(address, bytes, entry.Device);
        }
        return status;
    }

    private CudaStatus? CheckRoom() =>
        objects.Tables.MemoryPoolCount >= SessionTables.MaxMemoryPools ? CudaStatus.OutOfMemory : null;
}
