namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// The virtual memory management API on the emulated device, with the driver's rules: a reservation is a range of
/// device addresses with nothing behind it; a physical allocation is memory charged to the device (an anonymous memory
/// file, <see cref="EmulatedHostMemory"/>); a mapping puts an allocation behind part of a reservation, and the range is
/// device memory for copies, memsets and kernels once the device may read and write it. Mapped memory is contiguous
/// across mappings, and an allocation mapped twice is the same memory in both places. A released allocation keeps its
/// memory until its last mapping goes.
/// </summary>
internal sealed unsafe partial class EmulatedContext
{
    /// <summary>Minimum and recommended granularity, a current GPU's: 2 MiB.</summary>
    public const ulong VirtualMemoryGranularity = 2UL << 20;

    private const uint AccessReadWrite = 3;

    private readonly List<EmulatedReservation> _reservations = []; // sorted by Address
    private readonly Dictionary<ulong, EmulatedPhysicalAllocation> _physicalAllocations = [];
    private ulong _nextPhysicalAllocation = 0x5000;

    /// <summary>Reservations, physical allocations (with their memory) and mappings alive; tests read it to see cleanup.</summary>
    public (int Reservations, int PhysicalAllocations, int Mappings) VirtualMemoryCounts =>
        (_reservations.Count, _physicalAllocations.Count, _reservations.Sum(r => r.Mappings.Count));

    public CudaStatus GetAllocationGranularity(bool recommended, out ulong granularity)
    {
        granularity = VirtualMemoryGranularity;
        return Check();
    }

    public CudaStatus ReserveAddressRange(ulong bytes, ulong alignment, ulong addressHint, out ulong address)
    {
        address = 0;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (bytes == 0 || bytes % VirtualMemoryGranularity != 0 || (alignment & (alignment - 1)) != 0)
        {
            return CudaStatus.InvalidValue;
        }
        if (!EmulatedHostMemory.IsAvailable)
        {
            return CudaStatus.NotSupported;
        }
        // The hint is only a hint: the emulated device hands out addresses in order.
        if (!_device.TryReserveAddresses(bytes, Math.Max(alignment, VirtualMemoryGranularity), out var reserved))
        {
            return CudaStatus.OutOfMemory;
        }
        var host = EmulatedHostMemory.Reserve(bytes);
        if (host == 0)
        {
            return CudaStatus.OutOfMemory;
        }
        var index = _reservations.FindIndex(r => r.Address > reserved);
        _reservations.Insert(index < 0 ? _reservations.Count : index, new EmulatedReservation(reserved, bytes, host));
        address = reserved;
        return CudaStatus.Success;
    }

    public CudaStatus FreeAddressRange(ulong address, ulong bytes)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        var index = _reservations.FindIndex(r => r.Address == address);
        if (index < 0 || _reservations[index].Bytes != bytes || _reservations[index].Mappings.Count != 0)
        {
            return CudaStatus.InvalidValue;
        }
        EmulatedHostMemory.Free(_reservations[index].Host, bytes);
        _reservations.RemoveAt(index);
        return CudaStatus.Success;
    }

    public CudaStatus CreatePhysicalAllocation(ulong bytes, out GpuPhysicalAllocationHandle allocation)
    {
        allocation = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (bytes == 0 || bytes % VirtualMemoryGranularity != 0)
        {
            return CudaStatus.InvalidValue;
        }
        if (!EmulatedHostMemory.IsAvailable)
        {
            return CudaStatus.NotSupported;
        }
        if (!_device.TryCharge(bytes))
        {
            return CudaStatus.OutOfMemory;
        }
        var descriptor = EmulatedHostMemory.CreateMemory(bytes);
        if (descriptor < 0)
        {
            _device.Release(bytes);
            return CudaStatus.OutOfMemory;
        }
        var handle = _nextPhysicalAllocation++;
        _physicalAllocations[handle] = new EmulatedPhysicalAllocation(descriptor, bytes);
        allocation = new GpuPhysicalAllocationHandle(handle);
        return CudaStatus.Success;
    }

    public CudaStatus ReleasePhysicalAllocation(GpuPhysicalAllocationHandle allocation)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_physicalAllocations.TryGetValue(allocation.Value, out var physical) || physical.Released)
        {
            return CudaStatus.InvalidValue;
        }
        physical.Released = true;
        FreeIfUnused(allocation.Value, physical);
        return CudaStatus.Success;
    }

    public CudaStatus MapMemory(ulong address, ulong bytes, GpuPhysicalAllocationHandle allocation)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_physicalAllocations.TryGetValue(allocation.Value, out var physical) || physical.Released
            || bytes == 0 || bytes > physical.Bytes || bytes % VirtualMemoryGranularity != 0 || address % VirtualMemoryGranularity != 0
            || FindReservation(address, bytes) is not { } reservation)
        {
            return CudaStatus.InvalidValue;
        }
        var offset = address - reservation.Address;
        var index = reservation.MappingAfter(offset);
        if ((index > 0 && reservation.Mappings[index - 1].End > offset) || (index < reservation.Mappings.Count && reservation.Mappings[index].Offset - offset < bytes))
        {
            return CudaStatus.InvalidValue; // something is mapped there already
        }
        if (!EmulatedHostMemory.Map(reservation.Host + (nint)offset, bytes, physical.Descriptor))
        {
            return CudaStatus.OutOfMemory;
        }
        reservation.Mappings.Insert(index, new EmulatedMapping(offset, bytes, allocation.Value));
        physical.Mappings++;
        return CudaStatus.Success;
    }

    public CudaStatus UnmapMemory(ulong address, ulong bytes)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (FindReservation(address, bytes) is not { } reservation)
        {
            return CudaStatus.InvalidValue;
        }
        var offset = address - reservation.Address;
        var index = reservation.MappingAfter(offset) - 1;
        if (index < 0 || reservation.Mappings[index].Offset != offset || reservation.Mappings[index].Bytes != bytes)
        {
            return CudaStatus.InvalidValue; // only a whole mapping is unmapped
        }
        var mapping = reservation.Mappings[index];
        EmulatedHostMemory.Unmap(reservation.Host + (nint)offset, bytes);
        reservation.Mappings.RemoveAt(index);
        var physical = _physicalAllocations[mapping.Allocation];
        physical.Mappings--;
        FreeIfUnused(mapping.Allocation, physical);
        return CudaStatus.Success;
    }

    public CudaStatus SetMemoryAccess(ulong address, ulong bytes, uint flags)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (flags is not (0 or 1 or AccessReadWrite) || FindReservation(address, bytes) is not { } reservation
            || reservation.WholeMappings(address - reservation.Address, bytes) is not { } mappings)
        {
            return CudaStatus.InvalidValue;
        }
        foreach (var mapping in mappings)
        {
            mapping.Access = flags;
        }
        return CudaStatus.Success;
    }

    /// <summary>
    /// The bytes [address, address+bytes) when mappings the device may read and write cover them, one after another
    /// without a gap (a reserved but unmapped range, or one mapped without access, is not device memory).
    /// </summary>
    private bool TryGetMappedSpan(ulong address, ulong bytes, out Span<byte> span)
    {
        span = default;
        if (bytes > int.MaxValue || FindReservation(address, bytes) is not { } reservation)
        {
            return false;
        }
        var offset = address - reservation.Address;
        var index = reservation.MappingAfter(offset) - 1;
        if (index < 0 || reservation.Mappings[index].End <= offset)
        {
            return false;
        }
        var end = offset + bytes;
        for (var covered = reservation.Mappings[index].Offset; covered < end; covered = reservation.Mappings[index++].End)
        {
            if (index >= reservation.Mappings.Count || reservation.Mappings[index].Offset != covered || reservation.Mappings[index].Access != AccessReadWrite)
            {
                return false;
            }
        }
        span = new Span<byte>((void*)(reservation.Host + (nint)offset), (int)bytes);
        return true;
    }

    /// <summary>The reservation that holds all of [address, address+bytes).</summary>
    private EmulatedReservation? FindReservation(ulong address, ulong bytes)
    {
        int low = 0, high = _reservations.Count;
        while (low < high)
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
        if (low == 0)
        {
            return null;
        }
        var reservation = _reservations[low - 1];
        var offset = address - reservation.Address;
        return offset < reservation.Bytes && bytes <= reservation.Bytes - offset ? reservation : null;
    }

    /// <summary>A released allocation's memory goes with its last mapping, as the driver frees it.</summary>
    private void FreeIfUnused(ulong handle, EmulatedPhysicalAllocation physical)
    {
        if (physical.Released && physical.Mappings == 0)
        {
            EmulatedHostMemory.CloseMemory(physical.Descriptor);
            _device.Release(physical.Bytes);
            _physicalAllocations.Remove(handle);
        }
    }

    /// <summary>At the context's end: every reservation with what is mapped in it, and every allocation's memory.</summary>
    private void ReleaseVirtualMemory()
    {
        foreach (var reservation in _reservations)
        {
            EmulatedHostMemory.Free(reservation.Host, reservation.Bytes);
        }
        _reservations.Clear();
        foreach (var physical in _physicalAllocations.Values)
        {
            EmulatedHostMemory.CloseMemory(physical.Descriptor);
            _device.Release(physical.Bytes);
        }
        _physicalAllocations.Clear();
    }

    private sealed class EmulatedReservation(ulong address, ulong bytes, nint host)
    {
        public ulong Address { get; } = address;

        public ulong Bytes { get; } = bytes;

        /// <summary>Where the reservation's bytes are in this process.</summary>
        public nint Host { get; } = host;

        /// <summary>Sorted by offset, never overlapping.</summary>
        public List<EmulatedMapping> Mappings { get; } = [];

        /// <summary>Index of the first mapping that starts after <paramref name="offset"/>.</summary>
        public int MappingAfter(ulong offset)
        {
            int low = 0, high = Mappings.Count;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (Mappings[middle].Offset <= offset)
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

        /// <summary>The whole mappings that make up [offset, offset+bytes) exactly, one after another; null otherwise.</summary>
        public List<EmulatedMapping>? WholeMappings(ulong offset, ulong bytes)
        {
            var index = MappingAfter(offset) - 1;
            var found = new List<EmulatedMapping>();
            var next = offset;
            while (next - offset < bytes)
            {
                if (index < 0 || index >= Mappings.Count || Mappings[index].Offset != next)
                {
                    return null;
                }
                found.Add(Mappings[index]);
                next = Mappings[index++].End;
            }
            return next - offset == bytes && bytes != 0 ? found : null;
        }
    }

    private sealed class EmulatedMapping(ulong offset, ulong bytes, ulong allocation)
    {
        public ulong Offset { get; } = offset;

        public ulong Bytes { get; } = bytes;

        public ulong End => Offset + Bytes;

        public ulong Allocation { get; } = allocation;

        /// <summary>What the device may do there (<c>CUmemAccess_flags</c>); nothing until set.</summary>
        public uint Access { get; set; }
    }

    private sealed class EmulatedPhysicalAllocation(int descriptor, ulong bytes)
    {
        public int Descriptor { get; } = descriptor;

        public ulong Bytes { get; } = bytes;

        public bool Released { get; set; }

        public int Mappings { get; set; }
    }
}
