using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// The session's memory pools by client handle, and the pool each device's <c>cuMemAllocAsync</c> takes from
/// (<c>cuDeviceSetMemPool</c>; without one, the session's default pool of the device).
/// </summary>
internal sealed partial class SessionTables
{
    /// <summary>
    /// Most pool handles one session may hold (its default pools count too): a pool reserves device memory
    /// and driver state, so a client may not create them without bound. Beyond it creation answers
    /// <c>CUDA_ERROR_OUT_OF_MEMORY</c>.
    /// </summary>
    public const int MaxMemoryPools = 256;

    private readonly Dictionary<ulong, MemoryPoolEntry> _memoryPools = [];
    private readonly Dictionary<int, ulong> _currentMemoryPools = []; // device → pool handle set by cuDeviceSetMemPool

    /// <summary>A pool of the session on <paramref name="Device"/>; <paramref name="IsDefault"/>: the session's default pool there.</summary>
    public sealed record MemoryPoolEntry(int Device, GpuMemoryPoolHandle Pool, bool IsDefault);

    public int MemoryPoolCount
    {
        get
        {
            lock (_gate)
            {
                return _memoryPools.Count;
            }
        }
    }

    public bool TryAddMemoryPool(ulong handle, MemoryPoolEntry entry) => TryAdd(_memoryPools, handle, entry);

    public bool TryGetMemoryPool(ulong handle, out MemoryPoolEntry entry) => TryGet(_memoryPools, handle, out entry);

    /// <summary>Forgets a destroyed pool; a device whose current pool it was takes from its default pool again.</summary>
    public void RemoveMemoryPool(ulong handle)
    {
        lock (_gate)
        {
            if (_memoryPools.Remove(handle, out var entry) && _currentMemoryPools.TryGetValue(entry.Device, out var current) && current == handle)
            {
                _currentMemoryPools.Remove(entry.Device);
            }
        }
    }

    /// <summary>The handle bound to the session's default pool of <paramref name="device"/>, if any.</summary>
    public bool TryGetDefaultMemoryPool(int device, out ulong handle)
    {
        lock (_gate)
        {
            foreach (var (key, entry) in _memoryPools)
            {
                if (entry.IsDefault && entry.Device == device)
                {
                    handle = key;
                    return true;
                }
            }
            handle = 0;
            return false;
        }
    }

    /// <summary>Makes <paramref name="handle"/> (a pool of <paramref name="device"/>) the device's current pool; its default pool means no choice.</summary>
    public void SetCurrentMemoryPool(int device, ulong handle, bool isDefault)
    {
        lock (_gate)
        {
            if (isDefault)
            {
                _currentMemoryPools.Remove(device);
            }
            else
            {
                _currentMemoryPools[device] = handle;
            }
        }
    }

    /// <summary>The pool <c>cuDeviceSetMemPool</c> made current on <paramref name="device"/>; false when that is the session's default pool.</summary>
    public bool TryGetCurrentMemoryPool(int device, out MemoryPoolEntry entry)
    {
        lock (_gate)
        {
            if (_currentMemoryPools.TryGetValue(device, out var handle) && _memoryPools.TryGetValue(handle, out entry!))
            {
                return true;
            }
            entry = null!;
            return false;
        }
    }

    /// <summary>Called with the lock held, when the device's context (which owned its pools) is gone.</summary>
    private void RemoveMemoryPoolsOf(int device)
    {
        RemoveWhere(_memoryPools, p => p.Device == device);
        _currentMemoryPools.Remove(device);
    }
}
