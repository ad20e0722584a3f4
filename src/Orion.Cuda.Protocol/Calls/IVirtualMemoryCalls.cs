using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>
/// The virtual memory management API (<c>cuMemAddressReserve</c>, <c>cuMemCreate</c>, <c>cuMemMap</c>, ...),
/// which PyTorch's expandable segments and NCCL build on: a range of device addresses is reserved, physical
/// allocations (client-chosen handles, <see cref="HandleKind.PhysicalAllocation"/>) are created on the current
/// device, mapped into the range and made accessible to the device; a mapped and accessible range is device
/// memory like any allocation (copies, memsets, kernels). Every reservation, allocation and mapping is the
/// session's: it may map only its own allocations into its own reservations, and all of them go with the
/// session. Allocations are pinned device memory of the current device, without shareable handles (a file
/// descriptor or fabric handle would name memory of the server's process). Sizes, addresses and offsets are
/// multiples of the device's minimum granularity (<see cref="GetAllocationGranularity"/>).
/// </summary>
[RemoteCallArea("VirtualMemory")]
public interface IVirtualMemoryCalls
{
    /// <summary>
    /// <c>cuMemGetAllocationGranularity</c> for <paramref name="allocationType"/> and <paramref name="handleTypes"/>
    /// (<c>CUmemAllocationProp</c>'s fields) on the current device; <paramref name="granularityKind"/> 0 is the minimum
    /// granularity, 1 the recommended one.
    /// </summary>
    [RemoteCall(78, CallMode.Synchronous)]
    CudaStatus GetAllocationGranularity(int allocationType, int handleTypes, uint granularityKind, out ulong granularity);

    /// <summary>
    /// <c>cuMemAddressReserve</c>: <paramref name="bytes"/> of device addresses, aligned to <paramref name="alignment"/>
    /// (0: the granularity; else a power of two); <paramref name="addressHint"/> is only a hint (0: none).
    /// </summary>
    [RemoteCall(79, CallMode.Synchronous)]
    CudaStatus ReserveAddressRange([Limit(VirtualMemoryLimits.MaxReservationBytes)] ulong bytes,
        [Limit(VirtualMemoryLimits.MaxReservationBytes)] ulong alignment, ulong addressHint, out ulong address);

    /// <summary><c>cuMemAddressFree</c> of a whole reservation of the session, with nothing mapped in it any more.</summary>
    [RemoteCall(80, CallMode.Synchronous)]
    CudaStatus FreeAddressRange(ulong address, ulong bytes);

    /// <summary>
    /// <c>cuMemCreate</c> on the current device: <paramref name="bytes"/> of physical memory named by
    /// <paramref name="allocation"/>. <paramref name="allocationType"/> must be <c>CU_MEM_ALLOCATION_TYPE_PINNED</c> (1)
    /// and <paramref name="handleTypes"/> 0 (shareable handles answer <c>CUDA_ERROR_NOT_SUPPORTED</c>).
    /// </summary>
    [RemoteCall(81, CallMode.Synchronous)]
    CudaStatus CreatePhysicalAllocation([Handle(HandleKind.PhysicalAllocation, New = true)] ulong allocation,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong bytes, int allocationType, int handleTypes);

    /// <summary>
    /// <c>cuMemRelease</c>: gives back one reference to the handle (its creation, or a <see cref="RetainPhysicalAllocation"/>).
    /// With the last one the handle is gone; the memory stays until its last mapping is unmapped.
    /// </summary>
    [RemoteCall(82, CallMode.Synchronous)]
    CudaStatus ReleasePhysicalAllocation([Handle(HandleKind.PhysicalAllocation)] ulong allocation);

    /// <summary>
    /// <c>cuMemMap</c>: maps the first <paramref name="bytes"/> of <paramref name="allocation"/> (from
    /// <paramref name="offset"/>, which must be 0, as the driver requires) at <paramref name="address"/>, inside one
    /// reservation of the session where nothing is mapped yet. The range is not accessible until <see cref="SetMemoryAccess"/>.
    /// </summary>
    [RemoteCall(83, CallMode.Synchronous)]
    CudaStatus MapMemory(ulong address, ulong bytes, ulong offset, [Handle(HandleKind.PhysicalAllocation)] ulong allocation);

    /// <summary><c>cuMemUnmap</c> of whole mappings, one after another from <paramref name="address"/>.</summary>
    [RemoteCall(84, CallMode.Synchronous)]
    CudaStatus UnmapMemory(ulong address, ulong bytes);

    /// <summary>
    /// <c>cuMemSetAccess</c> for one location: <paramref name="device"/> (a device of the session, the one the
    /// memory lives on) gets <paramref name="flags"/> (<c>CUmemAccess_flags</c>: 0 none, 1 read, 3 read and write)
    /// on whole mappings, one after another from <paramref name="address"/>.
    /// </summary>
    [RemoteCall(85, CallMode.Synchronous)]
    CudaStatus SetMemoryAccess(ulong address, ulong bytes, int device, uint flags);

    /// <summary><c>cuMemGetAccess</c>: what <paramref name="device"/> may do with the mapping that holds <paramref name="address"/>.</summary>
    [RemoteCall(86, CallMode.Synchronous)]
    CudaStatus GetMemoryAccess(ulong address, int device, out uint flags);

    /// <summary>
    /// <c>cuMemRetainAllocationHandle</c>: one more reference to the allocation mapped at <paramref name="address"/>,
    /// which the client gives back with <see cref="ReleasePhysicalAllocation"/>; <paramref name="allocation"/> is its handle.
    /// </summary>
    [RemoteCall(87, CallMode.Synchronous)]
    CudaStatus RetainPhysicalAllocation(ulong address, out ulong allocation);

    /// <summary><c>cuMemGetAllocationPropertiesFromHandle</c>: what the allocation was made as.</summary>
    [RemoteCall(88, CallMode.Synchronous)]
    CudaStatus GetPhysicalAllocationProperties([Handle(HandleKind.PhysicalAllocation)] ulong allocation, out ulong bytes, out int device,
        out int allocationType, out int handleTypes);
}
