using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// The session's part of the virtual memory management API: its address reservations (by address), its physical
/// allocations (by client handle) and its mappings. A mapping is an entry of the allocation table (so that a copy
/// into mapped memory is checked as any other), marked with the handle it maps and what its device may do there.
/// A physical allocation counts references (its creation and every retain) and mappings: when the last reference is
/// given back its handle is no longer usable, and the allocation, still counted as the session's, is freed (the
/// backend's release) once its last mapping is gone too, which is when the driver would free its memory.
/// </summary>
internal sealed partial class SessionTables
{
    /// <summary><c>CU_MEM_ACCESS_FLAGS_PROT_READWRITE</c>: only a mapping the device may read and write is device memory for copies.</summary>
    public const uint AccessReadWrite = 3;

    private readonly List<Reservation> _reservations = []; // sorted by Address, never overlapping
    private readonly Dictionary<ulong, PhysicalAllocationEntry> _physicalAllocations = [];
    private ulong _reservedBytes;
    private ulong _physicalBytes;
    private int _mappingCount;

    /// <summary>A range of device addresses the session reserved while <paramref name="Device"/> was current.</summary>
    public readonly record struct Reservation(ulong Address, ulong Bytes, int Device)
    {
        public bool Contains(ulong address, ulong bytes) =>
            address >= Address && address - Address < Bytes && bytes <= Bytes - (address - Address);
    }

    /// <summary>A physical allocation of <paramref name="device"/>; mutated only under the tables' lock.</summary>
    public sealed class PhysicalAllocationEntry(int device, GpuPhysicalAllocationHandle allocation, ulong bytes, int allocationType)
    {
        public int Device { get; } = device;

        public GpuPhysicalAllocationHandle Allocation { get; } = allocation;

        public ulong Bytes { get; } = bytes;

        public int AllocationType { get; } = allocationType;

        /// <summary>Its creation and every retain not yet given back; at 0 the handle is gone.</summary>
        public int References { get; set; } = 1;

        /// <summary>Mappings of it that are still in place.</summary>
        public int Mappings { get; set; }
    }

    public (int Reservations, ulong ReservedBytes, int PhysicalAllocations, ulong PhysicalBytes, int Mappings) VirtualMemoryCounts()
    {
        lock (_gate)
        {
            return (_reservations.Count, _reservedBytes, _physicalAllocations.Count, _physicalBytes, _mappingCount);
        }
    }

    // ---- reservations ----

    public void AddReservation(Reservation reservation)
    {
        lock (_gate)
        {
            var index = _reservations.FindIndex(r => r.Address > reservation.Address);
            _reservations.Insert(index < 0 ? _reservations.Count : index, reservation);
            _reservedBytes += reservation.Bytes;
        }
    }

    /// <summary>The reservation that holds all of [address, address+bytes), if any.</summary>
    public bool TryFindReservation(ulong address, ulong bytes, out Reservation reservation)
    {
        lock (_gate)
        {
            int low = 0, high = _reservations.Count;
            while (low < high) // the first reservation starting after address
            {
                var middle = (low + high) >>> 1;
                if (_reservations[middle].Address <= address)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }
            if (low > 0 && _reservations[low - 1].Contains(address, bytes))
            {
                reservation = _reservations[low - 1];
                return true;
            }
            reservation = default;
            return false;
        }
    }

    /// <summary>Forgets the reservation that starts at <paramref name="address"/>.</summary>
    public void RemoveReservation(ulong address)
    {
        lock (_gate)
        {
            var index = _reservations.FindIndex(r => r.Address == address);
            if (index >= 0)
            {
                _reservedBytes -= _reservations[index].Bytes;
                _reservations.RemoveAt(index);
            }
        }
    }

    /// <summary>True when something is mapped anywhere in [address, address+bytes).</summary>
    public bool HasMappingIn(ulong address, ulong bytes)
    {
        lock (_gate)
        {
            // From the last entry starting at or before address, up to the first starting at or past the range's end.
            for (var i = Math.Max(LowerBound(address + 1) - 1, 0); i < _allocations.Count; i++)
            {
                var entry = _allocations[i];
                if (entry.Address >= address && entry.Address - address >= bytes)
                {
                    break;
                }
                if (entry.IsMapping && entry.Address + entry.Bytes > address)
                {
                    return true;
                }
            }
            return false;
        }
    }

    // ---- physical allocations ----

    public void AddPhysicalAllocation(ulong handle, PhysicalAllocationEntry entry)
    {
        lock (_gate)
        {
            _physicalAllocations.Add(handle, entry);
            _physicalBytes += entry.Bytes;
            CountHeld(entry.Device, entry.Bytes, held: true);
        }
    }

    /// <summary>The allocation a live handle names (one whose references were all given back is no longer named).</summary>
    public bool TryGetPhysicalAllocation(ulong handle, out PhysicalAllocationEntry entry)
    {
        lock (_gate)
        {
            if (_physicalAllocations.TryGetValue(handle, out entry!) && entry.References > 0)
            {
                return true;
            }
            entry = null!;
            return false;
        }
    }

    /// <summary>
    /// One more reference to the allocation <paramref name="handle"/> names, live or kept only by its mappings
    /// (<c>cuMemRetainAllocationHandle</c> gives the handle back even after its references were all given back).
    /// </summary>
    public bool TryRetainPhysicalAllocation(ulong handle, out PhysicalAllocationEntry entry)
    {
        lock (_gate)
        {
            if (_physicalAllocations.TryGetValue(handle, out entry!))
            {
                entry.References++;
                return true;
            }
            return false;
        }
    }

    /// <summary>Gives back one reference; true when the allocation is now unused (no reference, no mapping) and forgotten.</summary>
    public bool ReleasePhysicalAllocation(ulong handle, PhysicalAllocationEntry entry)
    {
        lock (_gate)
        {
            entry.References--;
            return ForgetIfUnused(handle, entry);
        }
    }

    private bool ForgetIfUnused(ulong handle, PhysicalAllocationEntry entry)
    {
        if (entry.References == 0 && entry.Mappings == 0 && _physicalAllocations.Remove(handle))
        {
            _physicalBytes -= entry.Bytes;
            CountHeld(entry.Device, entry.Bytes, held: false);
            return true;
        }
        return false;
    }

    // ---- mappings ----

    /// <summary>Records a mapping of <paramref name="handle"/>; false when [address, address+bytes) overlaps anything the table holds.</summary>
    public bool TryAddMapping(ulong address, ulong bytes, int device, ulong handle, PhysicalAllocationEntry entry)
    {
        lock (_gate)
        {
            var index = LowerBound(address);
            if ((index > 0 && _allocations[index - 1].Address + _allocations[index - 1].Bytes > address)
                || (index < _allocations.Count && _allocations[index].Address - address < bytes))
            {
                return false;
            }
            _allocations.Insert(index, new Allocation(address, bytes, device, 0, handle, 0));
            entry.Mappings++;
            _mappingCount++;
            return true;
        }
    }

    /// <summary>The mapping that holds <paramref name="address"/>, if any.</summary>
    public bool TryFindMapping(ulong address, out Allocation mapping) => TryFindAllocation(address, out mapping) && mapping.IsMapping;

    /// <summary>
    /// The mappings that make up [address, address+bytes) exactly: whole mappings of one device, one after another
    /// without a gap, the first starting at <paramref name="address"/>; null when the range is anything else.
    /// </summary>
    public List<Allocation>? WholeMappings(ulong address, ulong bytes)
    {
        lock (_gate)
        {
            var index = LowerBound(address);
            var found = new List<Allocation>();
            var next = address;
            ulong covered = 0;
            while (covered < bytes)
            {
                if (index >= _allocations.Count)
                {
                    return null;
                }
                var entry = _allocations[index++];
                if (!entry.IsMapping || entry.Address != next || entry.Bytes > bytes - covered || (found.Count > 0 && entry.Device != found[0].Device))
                {
                    return null;
                }
                found.Add(entry);
                covered += entry.Bytes;
                next += entry.Bytes;
            }
            return bytes == 0 ? null : found;
        }
    }

    /// <summary>
    /// Forgets the mapping that starts at <paramref name="address"/>; the allocation it mapped is returned when it is now
    /// unused (its references were all given back) and forgotten too, so that the caller frees it.
    /// </summary>
    public PhysicalAllocationEntry? RemoveMapping(ulong address)
    {
        lock (_gate)
        {
            var index = LowerBound(address);
            if (index >= _allocations.Count || _allocations[index].Address != address || !_allocations[index].IsMapping)
            {
                return null;
            }
            var handle = _allocations[index].MappedAllocation;
            _allocations.RemoveAt(index);
            _mappingCount--;
            if (_physicalAllocations.TryGetValue(handle, out var entry))
            {
                entry.Mappings--;
                return ForgetIfUnused(handle, entry) ? entry : null;
            }
            return null;
        }
    }

    /// <summary>What the device may now do in the mapping that starts at <paramref name="address"/>.</summary>
    public void SetMappingAccess(ulong address, uint access)
    {
        lock (_gate)
        {
            var index = LowerBound(address);
            if (index < _allocations.Count && _allocations[index].Address == address && _allocations[index].IsMapping)
            {
                _allocations[index] = _allocations[index] with { Access = access };
            }
        }
    }

    /// <summary>
    /// Called with the lock held: the rest of a range that starts at <paramref name="offset"/> into the mapping at
    /// <paramref name="index"/> is covered by mappings that follow without a gap, and the device may read and write all of them.
    /// </summary>
    private bool MappedThrough(int index, ulong offset, ulong bytes, int device)
    {
        var mapping = _allocations[index];
        if (mapping.Access != AccessReadWrite)
        {
            return false;
        }
        var covered = mapping.Bytes - offset;
        var end = mapping.Address + mapping.Bytes;
        while (covered < bytes)
        {
            if (++index >= _allocations.Count)
            {
                return false;
            }
            var next = _allocations[index];
            if (!next.IsMapping || next.Address != end || next.Device != device || next.Access != AccessReadWrite)
            {
                return false;
            }
            covered += next.Bytes;
            end += next.Bytes;
        }
        return true;
    }

    /// <summary>Called with the lock held, when the device's context (which unmapped, released and freed all of it) is gone.</summary>
    private void RemoveVirtualMemoryOf(int device)
    {
        foreach (var reservation in _reservations.Where(r => r.Device == device))
        {
            _reservedBytes -= reservation.Bytes;
        }
        _reservations.RemoveAll(r => r.Device == device);
        foreach (var (handle, entry) in _physicalAllocations.ToArray())
        {
            if (entry.Device == device)
            {
                _physicalBytes -= entry.Bytes;
                CountHeld(device, entry.Bytes, held: false);
                _physicalAllocations.Remove(handle);
            }
        }
        _mappingCount = _allocations.Count(a => a.IsMapping);
    }
}
