using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// The virtual memory management API, in this context. Reservations, physical allocations and mappings belong to
/// the process and its device, not to a context, so destroying the context would leave them all behind:
/// <see cref="ReleaseVirtualMemory"/> unmaps, releases and frees what is left first, in that order. As for every
/// other handle, the context hands the driver only addresses and handles it got from it: a mapping only inside a
/// reservation of its own and only of an allocation of its own, where nothing is mapped; an unmap only of a whole
/// mapping; access only over whole mappings.
/// </summary>
internal sealed unsafe partial class CudaDriverContext
{
    private readonly AddressRanges _reservations = new();
    private readonly AddressRanges _mappings = new();

    /// <summary>Physical allocations not yet released (handle → bytes).</summary>
    private readonly Dictionary<ulong, ulong> _physicalAllocations = [];

    public CudaStatus GetAllocationGranularity(bool recommended, out ulong granularity)
    {
        granularity = 0;
        CudaStatus status = PinnedDeviceMemory(out CuMemAllocationProp properties);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nuint value;
        status = CudaDriverApi.MemGetAllocationGranularity(&value, &properties, recommended ? 1 : 0);
        granularity = status == CudaStatus.Success ? value : 0;
        return status;
    }

    public CudaStatus ReserveAddressRange(ulong bytes, ulong alignment, ulong addressHint, out ulong address)
    {
        address = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (bytes == 0)
        {
            return CudaStatus.InvalidValue;
        }

        ulong reserved;
        status = CudaDriverApi.MemAddressReserve(&reserved, (nuint)bytes, (nuint)alignment, addressHint, 0);
        if (status == CudaStatus.Success)
        {
            _reservations.Add(reserved, bytes);
            address = reserved;
        }

        return status;
    }

    public CudaStatus FreeAddressRange(ulong address, ulong bytes)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!_reservations.IsExactly(address, bytes) || _mappings.Overlaps(address, bytes))
        {
            return CudaStatus.InvalidValue;
        }

        status = CudaDriverApi.MemAddressFree(address, (nuint)bytes);
        if (status == CudaStatus.Success)
        {
            _reservations.Remove(address);
        }

        return status;
    }

    public CudaStatus CreatePhysicalAllocation(ulong bytes, out GpuPhysicalAllocationHandle allocation)
    {
        allocation = default;
        if (bytes == 0)
        {
            return MakeCurrent() is var current && current != CudaStatus.Success ? current : CudaStatus.InvalidValue;
        }

        CudaStatus status = PinnedDeviceMemory(out CuMemAllocationProp properties);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        ulong handle;
        status = CudaDriverApi.MemCreate(&handle, (nuint)bytes, &properties, 0);
        if (status == CudaStatus.Success)
        {
            _physicalAllocations.Add(handle, bytes);
            allocation = new GpuPhysicalAllocationHandle(handle);
        }

        return status;
    }

    public CudaStatus ReleasePhysicalAllocation(GpuPhysicalAllocationHandle allocation)
    {
        CudaStatus status = Ready(_physicalAllocations.ContainsKey(allocation.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // The driver keeps the memory while a mapping of it remains and frees it with the last unmap.
        status = CudaDriverApi.MemRelease(allocation.Value);
        if (status == CudaStatus.Success)
        {
            _physicalAllocations.Remove(allocation.Value);
        }

        return status;
    }

    public CudaStatus MapMemory(ulong address, ulong bytes, GpuPhysicalAllocationHandle allocation)
    {
        CudaStatus status = Ready(_physicalAllocations.TryGetValue(allocation.Value, out ulong allocationBytes));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (bytes == 0 || bytes > allocationBytes || !_reservations.Holds(address, bytes) || _mappings.Overlaps(address, bytes))
        {
            return CudaStatus.InvalidValue;
        }

        status = CudaDriverApi.MemMap(address, (nuint)bytes, 0, allocation.Value, 0);
        if (status == CudaStatus.Success)
        {
            _mappings.Add(address, bytes);
        }

        return status;
    }

    public CudaStatus UnmapMemory(ulong address, ulong bytes)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!_mappings.IsExactly(address, bytes))
        {
            return CudaStatus.InvalidValue;
        }

        // Work queued before may still use the memory, and the driver's unmap does not wait for it: a kernel
        // reaching an unmapped page would fault this context (and, where contexts share a process, others).
        CudaDriverApi.CtxSynchronize();
        status = CudaDriverApi.MemUnmap(address, (nuint)bytes);
        if (status == CudaStatus.Success)
        {
            _mappings.Remove(address);
        }

        return status;
    }

    public CudaStatus SetMemoryAccess(ulong address, ulong bytes, uint flags)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!_mappings.CoversWhole(address, bytes))
        {
            return CudaStatus.InvalidValue;
        }

        int device;
        status = CudaDriverApi.CtxGetDevice(&device);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        CuMemAccessDesc access = default;
        access.Location.Type = CuMemLocation.TypeDevice;
        access.Location.Id = device;
        access.Flags = (int)flags;
        return CudaDriverApi.MemSetAccess(address, (nuint)bytes, &access, 1);
    }

    /// <summary>The context current, and the properties of pinned memory of its device without shareable handles.</summary>
    private CudaStatus PinnedDeviceMemory(out CuMemAllocationProp properties)
    {
        properties = default; // reserved fields zero, as the driver requires
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        int device;
        status = CudaDriverApi.CtxGetDevice(&device);
        properties.Type = CuMemAllocationProp.TypePinned;
        properties.Location.Type = CuMemLocation.TypeDevice;
        properties.Location.Id = device;
        return status;
    }

    /// <summary>
    /// Before the context is destroyed: waits for its work, then unmaps every mapping, releases every allocation and
    /// frees every reservation. Best effort, as for pools: a faulted context refuses these calls, and its process ends.
    /// </summary>
    private void ReleaseVirtualMemory()
    {
        if ((_mappings.Count == 0 && _physicalAllocations.Count == 0 && _reservations.Count == 0) || MakeCurrent() != CudaStatus.Success)
        {
            return;
        }

        CudaDriverApi.CtxSynchronize();
        foreach ((ulong address, ulong bytes) in _mappings.All)
        {
            CudaDriverApi.MemUnmap(address, (nuint)bytes);
        }

        foreach (ulong handle in _physicalAllocations.Keys)
        {
            CudaDriverApi.MemRelease(handle);
        }

        foreach ((ulong address, ulong bytes) in _reservations.All)
        {
            CudaDriverApi.MemAddressFree(address, (nuint)bytes);
        }

        _mappings.Clear();
        _physicalAllocations.Clear();
        _reservations.Clear();
    }

    /// <summary>Address ranges that never overlap, sorted by address.</summary>
    private sealed class AddressRanges
    {
        private readonly List<(ulong Address, ulong Bytes)> _ranges = [];

        public int Count => _ranges.Count;

        public IReadOnlyList<(ulong Address, ulong Bytes)> All => _ranges;

        public void Add(ulong address, ulong bytes) => _ranges.Insert(After(address), (address, bytes));

        public void Remove(ulong address)
        {
            int index = After(address) - 1;
            if (index >= 0 && _ranges[index].Address == address)
            {
                _ranges.RemoveAt(index);
            }
        }

        public void Clear() => _ranges.Clear();

        /// <summary>A range that starts at <paramref name="address"/> and is <paramref name="bytes"/> long.</summary>
        public bool IsExactly(ulong address, ulong bytes)
        {
            int index = After(address) - 1;
            return index >= 0 && _ranges[index].Address == address && _ranges[index].Bytes == bytes;
        }

        /// <summary>One range holds all of [address, address+bytes).</summary>
        public bool Holds(ulong address, ulong bytes)
        {
            int index = After(address) - 1;
            if (index < 0)
            {
                return false;
            }

            ulong offset = address - _ranges[index].Address;
            return offset < _ranges[index].Bytes && bytes <= _ranges[index].Bytes - offset;
        }

        /// <summary>Some range has a byte in [address, address+bytes).</summary>
        public bool Overlaps(ulong address, ulong bytes)
        {
            int index = After(address);
            return (index > 0 && _ranges[index - 1].Address + _ranges[index - 1].Bytes > address)
                || (index < _ranges.Count && _ranges[index].Address - address < bytes);
        }

        /// <summary>Whole ranges, one after another without a gap, make up [address, address+bytes) exactly.</summary>
        public bool CoversWhole(ulong address, ulong bytes)
        {
            int index = After(address) - 1;
            ulong next = address;
            while (next - address < bytes)
            {
                if (index < 0 || index >= _ranges.Count || _ranges[index].Address != next)
                {
                    return false;
                }

                next += _ranges[index++].Bytes;
            }

            return bytes != 0 && next - address == bytes;
        }

        /// <summary>Index of the first range that starts after <paramref name="address"/>.</summary>
        private int After(ulong address)
        {
            int low = 0, high = _ranges.Count;
            while (low < high)
            {
                int middle = (low + high) >>> 1;
                if (_ranges[middle].Address <= address)
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
    }
}
