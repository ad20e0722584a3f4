using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// Everything one session created, by client-chosen handle (streams, events, modules, functions)
/// or by address (allocations), so that each device pointer in a copy or memset is checked against
/// what this session owns and so that everything can be freed when the session ends. Mutated only
/// by the session's executor; a lock makes snapshots from other threads consistent.
/// </summary>
internal sealed partial class SessionTables
{
    private readonly Lock _gate = new();
    private readonly List<Allocation> _allocations = []; // sorted by Address
    private readonly Dictionary<ulong, StreamEntry> _streams = [];
    private readonly Dictionary<ulong, EventEntry> _events = [];
    private readonly Dictionary<ulong, ModuleEntry> _modules = [];
    private readonly Dictionary<ulong, FunctionEntry> _functions = [];
    private ulong _allocatedBytes;
    private int _ownAllocations;
    // Device memory held per device (own allocations and physical allocations), kept as they come and go: the
    // memory quota is checked at every allocation, which must not walk every allocation the session holds.
    private readonly ulong[] _heldBytes = new ulong[ProtocolLimits.MaxDevices];

    /// <summary>
    /// A device range the session may address: an allocation, a module global (<paramref name="OwnerModule"/> non-zero),
    /// or a mapping of a physical allocation into a reservation (<paramref name="MappedAllocation"/>, its handle, non-zero;
    /// <paramref name="Access"/> what its device may do there: SessionTables.VirtualMemory.cs).
    /// </summary>
    public readonly record struct Allocation(ulong Address, ulong Bytes, int Device, ulong OwnerModule, ulong MappedAllocation = 0, uint Access = 0)
    {
        public bool IsModuleGlobal => OwnerModule != 0;

        /// <summary>A mapping of the virtual memory management API: not the session's to free, only to unmap.</summary>
        public bool IsMapping => MappedAllocation != 0;

        /// <summary>Memory the session allocated and frees itself (not a global, not a mapping).</summary>
        public bool IsOwnAllocation => OwnerModule == 0 && MappedAllocation == 0;
    }

    public sealed record StreamEntry(int Device, GpuStreamHandle Stream);

    public sealed record EventEntry(int Device, GpuEventHandle Event);

    public sealed record ModuleEntry(int Device, GpuModuleHandle Module);

    public sealed record FunctionEntry(int Device, ulong ModuleHandle, GpuFunctionHandle Function, int ParameterBytes);

    public (int Allocations, ulong Bytes, int Streams, int Events, int Modules, int Functions) Counts()
    {
        lock (_gate)
        {
            // Physical allocations of the virtual memory API are device memory the session holds, as allocations are.
            return (_ownAllocations + _physicalAllocations.Count, _allocatedBytes + _physicalBytes,
                _streams.Count, _events.Count, _modules.Count, _functions.Count);
        }
    }

    /// <summary>
    /// Device memory the session holds on <paramref name="device"/>: its own allocations and its physical allocations
    /// (what a mapping shows is a physical allocation's, counted once there; module globals are the module's).
    /// </summary>
    public ulong HeldBytesOn(int device)
    {
        lock (_gate)
        {
            return (uint)device < (uint)_heldBytes.Length ? _heldBytes[device] : 0;
        }
    }

    /// <summary>Counts <paramref name="bytes"/> on <paramref name="device"/> as held, or no longer held. Caller holds the lock.</summary>
    private void CountHeld(int device, ulong bytes, bool held)
    {
        if ((uint)device < (uint)_heldBytes.Length)
        {
            _heldBytes[device] = held ? _heldBytes[device] + bytes : _heldBytes[device] - bytes;
        }
    }

    // ---- allocations ----

    public void AddAllocation(ulong address, ulong bytes, int device, ulong ownerModule = 0)
    {
        lock (_gate)
        {
            var index = LowerBound(address);
            if (index < _allocations.Count && _allocations[index].Address == address)
            {
                return; // a module global looked up twice
            }
            _allocations.Insert(index, new Allocation(address, bytes, device, ownerModule));
            if (ownerModule == 0)
            {
                _allocatedBytes += bytes;
                _ownAllocations++;
                CountHeld(device, bytes, held: true);
            }
        }
    }

    /// <summary>Removes the allocation that starts at <paramref name="address"/>; false if there is none.</summary>
    public bool RemoveAllocation(ulong address)
    {
        lock (_gate)
        {
            var index = LowerBound(address);
            if (index >= _allocations.Count || _allocations[index].Address != address || !_allocations[index].IsOwnAllocation)
            {
                return false;
            }
            _allocatedBytes -= _allocations[index].Bytes;
            _ownAllocations--;
            CountHeld(_allocations[index].Device, _allocations[index].Bytes, held: false);
            _allocations.RemoveAt(index);
            return true;
        }
    }

    /// <summary>
    /// True when [address, address+bytes) lies inside one allocation of <paramref name="device"/>, or inside
    /// mappings of the virtual memory API that follow each other without a gap and that the device may read
    /// and write (a reserved range with nothing mapped, or mapped without access, is no device memory).
    /// </summary>
    public bool ContainsRange(ulong address, ulong bytes, int device)
    {
        lock (_gate)
        {
            var index = LowerBound(address + 1) - 1; // the last allocation starting at or before address
            if (index < 0)
            {
                return false;
            }
            var allocation = _allocations[index];
            var offset = address - allocation.Address;
            if (allocation.Device != device || offset >= allocation.Bytes)
            {
                return false;
            }
            if (!allocation.IsMapping)
            {
                return bytes <= allocation.Bytes - offset;
            }
            return MappedThrough(index, offset, bytes, device);
        }
    }

    public bool TryFindAllocation(ulong address, out Allocation allocation)
    {
        lock (_gate)
        {
            var index = LowerBound(address + 1) - 1;
            if (index >= 0 && address - _allocations[index].Address < _allocations[index].Bytes)
            {
                allocation = _allocations[index];
                return true;
            }
            allocation = default;
            return false;
        }
    }

    private int LowerBound(ulong address)
    {
        int low = 0, high = _allocations.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_allocations[middle].Address < address)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low;
    }

    // ---- handles ----

    public bool TryAddStream(ulong handle, StreamEntry entry) => TryAdd(_streams, handle, entry);

    public bool TryGetStream(ulong handle, out StreamEntry entry) => TryGet(_streams, handle, out entry);

    public bool RemoveStream(ulong handle) => Remove(_streams, handle);

    public bool TryAddEvent(ulong handle, EventEntry entry) => TryAdd(_events, handle, entry);

    public bool TryGetEvent(ulong handle, out EventEntry entry) => TryGet(_events, handle, out entry);

    public bool RemoveEvent(ulong handle) => Remove(_events, handle);

    public bool TryAddModule(ulong handle, ModuleEntry entry) => TryAdd(_modules, handle, entry);

    public bool TryGetModule(ulong handle, out ModuleEntry entry) => TryGet(_modules, handle, out entry);

    public bool TryAddFunction(ulong handle, FunctionEntry entry) => TryAdd(_functions, handle, entry);

    public bool TryGetFunction(ulong handle, out FunctionEntry entry) => TryGet(_functions, handle, out entry);

    public bool ContainsHandle(ulong handle)
    {
        lock (_gate)
        {
            return _streams.ContainsKey(handle) || _events.ContainsKey(handle) || _modules.ContainsKey(handle) || _functions.ContainsKey(handle)
                || _memoryPools.ContainsKey(handle) || _physicalAllocations.ContainsKey(handle)
                || ContainsGraphHandleLocked(handle);
        }
    }

    /// <summary>Forgets a module, its functions and the globals it exposed.</summary>
    public void RemoveModule(ulong handle)
    {
        lock (_gate)
        {
            _modules.Remove(handle);
            foreach (var (key, function) in _functions.ToArray())
            {
                if (function.ModuleHandle == handle)
                {
                    _functions.Remove(key);
                }
            }
            // Globals of an unloaded module can no longer be addressed; a later allocation may reuse them.
            _allocations.RemoveAll(a => a.OwnerModule == handle);
        }
    }

    /// <summary>Forgets everything that lived on <paramref name="device"/> (its context was destroyed).</summary>
    public void RemoveDevice(int device)
    {
        lock (_gate)
        {
            foreach (var allocation in _allocations)
            {
                if (allocation.Device == device && allocation.IsOwnAllocation)
                {
                    _allocatedBytes -= allocation.Bytes;
                    _ownAllocations--;
                    CountHeld(device, allocation.Bytes, held: false);
                }
            }
            _allocations.RemoveAll(a => a.Device == device);
            RemoveVirtualMemoryOf(device); // its mappings went with the allocations above
            RemoveWhere(_streams, s => s.Device == device);
            RemoveWhere(_events, e => e.Device == device);
            RemoveWhere(_modules, m => m.Device == device);
            RemoveWhere(_functions, f => f.Device == device);
            RemoveMemoryPoolsOf(device);
            RemoveGraphsOfDeviceLocked(device);
        }
    }

    private bool TryAdd<T>(Dictionary<ulong, T> table, ulong handle, T entry)
    {
        lock (_gate)
        {
            return table.TryAdd(handle, entry);
        }
    }

    private bool TryGet<T>(Dictionary<ulong, T> table, ulong handle, out T entry)
    {
        lock (_gate)
        {
            return table.TryGetValue(handle, out entry!);
        }
    }

    private bool Remove<T>(Dictionary<ulong, T> table, ulong handle)
    {
        lock (_gate)
        {
            return table.Remove(handle);
        }
    }

    private static void RemoveWhere<T>(Dictionary<ulong, T> table, Func<T, bool> predicate)
    {
        foreach (var (key, value) in table.ToArray())
        {
            if (predicate(value))
            {
                table.Remove(key);
            }
        }
    }
}
