namespace Orion.Server.Core.Backend;

/// <summary>
/// The virtual memory management API on the context's device: address reservations, physical allocations of
/// pinned device memory without shareable handles, mappings of those into reservations, and the device's access
/// to mapped ranges. A mapped range the device may read and write is device memory for every copy, memset and
/// kernel of the context. Everything belongs to the context that made it; <see cref="IDisposable.Dispose"/>
/// unmaps, releases and frees what is left (in that order), since the driver does not tie these to a context.
/// Callers pass sizes and addresses that are multiples of the granularity; a backend checks again that every
/// address and handle is one it gave out.
/// </summary>
public partial interface IGpuContext
{
    /// <summary><c>cuMemGetAllocationGranularity</c> of pinned memory of this device; <paramref name="recommended"/> or the minimum.</summary>
    CudaStatus GetAllocationGranularity(bool recommended, out ulong granularity);

    /// <summary><c>cuMemAddressReserve</c>; <paramref name="alignment"/> 0 is the granularity, <paramref name="addressHint"/> 0 none.</summary>
    CudaStatus ReserveAddressRange(ulong bytes, ulong alignment, ulong addressHint, out ulong address);

    /// <summary><c>cuMemAddressFree</c> of a whole reservation with nothing mapped in it.</summary>
    CudaStatus FreeAddressRange(ulong address, ulong bytes);

    /// <summary><c>cuMemCreate</c> of pinned memory on this device, no shareable handle types.</summary>
    CudaStatus CreatePhysicalAllocation(ulong bytes, out GpuPhysicalAllocationHandle allocation);

    /// <summary><c>cuMemRelease</c>: the handle is gone; the memory stays until its last mapping is unmapped.</summary>
    CudaStatus ReleasePhysicalAllocation(GpuPhysicalAllocationHandle allocation);

    /// <summary><c>cuMemMap</c> of the first <paramref name="bytes"/> of <paramref name="allocation"/> at <paramref name="address"/>, inside a reservation.</summary>
    CudaStatus MapMemory(ulong address, ulong bytes, GpuPhysicalAllocationHandle allocation);

    /// <summary><c>cuMemUnmap</c> of one whole mapping.</summary>
    CudaStatus UnmapMemory(ulong address, ulong bytes);

    /// <summary><c>cuMemSetAccess</c> for this device over whole mappings; <paramref name="flags"/> is a <c>CUmemAccess_flags</c> value.</summary>
    CudaStatus SetMemoryAccess(ulong address, ulong bytes, uint flags);
}
