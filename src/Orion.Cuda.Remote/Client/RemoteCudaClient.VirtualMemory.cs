namespace Orion.Cuda.Remote.Client;

// The virtual memory management API (cuMemAddressReserve, cuMemCreate, cuMemMap, ...). Physical allocation handles
// are chosen here, as stream handles are; reservations and allocations live on the device that was current when
// they were made. A mapped range becomes device memory (for copies, memsets and kernels) once SetMemoryAccess gives
// the device read and write access to it. IVirtualMemoryCalls describes the rules the server applies.
public sealed partial class RemoteCudaClient
{
    /// <summary><c>CU_MEM_ALLOCATION_TYPE_PINNED</c>: the allocation type of every physical allocation.</summary>
    public const int PhysicalAllocationPinned = 1;

    /// <summary><c>CU_MEM_ACCESS_FLAGS_PROT_READWRITE</c>.</summary>
    public const uint MemoryAccessReadWrite = 3;

    /// <summary><c>cuMemGetAllocationGranularity</c> of pinned memory on the current device: the minimum, or the recommended one.</summary>
    public CudaStatus GetAllocationGranularity(bool recommended, out ulong granularity, int allocationType = PhysicalAllocationPinned, int handleTypes = 0)
    {
        var status = Remote.GetAllocationGranularity(allocationType, handleTypes, recommended ? 1u : 0u, out granularity);
        granularity = status == CudaStatus.Success ? granularity : 0;
        return status;
    }

    /// <summary><c>cuMemAddressReserve</c>: <paramref name="bytes"/> of addresses (a multiple of the granularity); <paramref name="addressHint"/> is only a hint.</summary>
    public CudaStatus ReserveAddressRange(ulong bytes, ulong alignment, ulong addressHint, out ulong address)
    {
        var status = Remote.ReserveAddressRange(bytes, alignment, addressHint, out address);
        address = status == CudaStatus.Success ? address : 0;
        return status;
    }

    /// <summary><c>cuMemAddressFree</c> of a whole reservation, after everything mapped in it was unmapped.</summary>
    public CudaStatus FreeAddressRange(ulong address, ulong bytes) => Remote.FreeAddressRange(address, bytes);

    /// <summary><c>cuMemCreate</c> of <paramref name="bytes"/> of pinned memory on the current device, without shareable handles.</summary>
    public CudaStatus CreatePhysicalAllocation(ulong bytes, out ulong allocation, int allocationType = PhysicalAllocationPinned, int handleTypes = 0)
    {
        var handle = NewHandle();
        var status = Remote.CreatePhysicalAllocation(handle, bytes, allocationType, handleTypes);
        allocation = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    /// <summary><c>cuMemRelease</c>: one reference less; the memory goes once no reference and no mapping remains.</summary>
    public CudaStatus ReleasePhysicalAllocation(ulong allocation) => Remote.ReleasePhysicalAllocation(allocation);

    /// <summary><c>cuMemMap</c> of the first <paramref name="bytes"/> of <paramref name="allocation"/> at <paramref name="address"/> (offset 0, as the driver requires).</summary>
    public CudaStatus MapMemory(ulong address, ulong bytes, ulong allocation, ulong offset = 0) => Remote.MapMemory(address, bytes, offset, allocation);

    /// <summary><c>cuMemUnmap</c> of whole mappings from <paramref name="address"/>.</summary>
    public CudaStatus UnmapMemory(ulong address, ulong bytes) => Remote.UnmapMemory(address, bytes);

    /// <summary><c>cuMemSetAccess</c>: <paramref name="device"/> (the memory's own) gets <paramref name="flags"/> on whole mappings from <paramref name="address"/>.</summary>
    public CudaStatus SetMemoryAccess(ulong address, ulong bytes, int device, uint flags = MemoryAccessReadWrite) =>
        Remote.SetMemoryAccess(address, bytes, device, flags);

    /// <summary><c>cuMemGetAccess</c>: what <paramref name="device"/> may do with the mapping that holds <paramref name="address"/>.</summary>
    public CudaStatus GetMemoryAccess(ulong address, int device, out uint flags) => Remote.GetMemoryAccess(address, device, out flags);

    /// <summary><c>cuMemRetainAllocationHandle</c>: the allocation mapped at <paramref name="address"/>, with one more reference to release.</summary>
    public CudaStatus RetainPhysicalAllocation(ulong address, out ulong allocation)
    {
        var status = Remote.RetainPhysicalAllocation(address, out allocation);
        allocation = status == CudaStatus.Success ? allocation : 0;
        return status;
    }

    /// <summary><c>cuMemGetAllocationPropertiesFromHandle</c>: its size, device (of this session), allocation type and shareable handle types.</summary>
    public CudaStatus GetPhysicalAllocationProperties(ulong allocation, out ulong bytes, out int device, out int allocationType, out int handleTypes) =>
        Remote.GetPhysicalAllocationProperties(allocation, out bytes, out device, out allocationType, out handleTypes);
}
