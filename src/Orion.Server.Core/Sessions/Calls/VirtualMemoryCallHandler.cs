using Orion.Cuda.Protocol.Calls;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>
/// The virtual memory management area (<see cref="IVirtualMemoryCalls"/>). Every argument is checked against what
/// the session owns and against its limits before the device is asked for anything: a mapping only of one of its
/// own allocations, only inside one of its own reservations, where nothing is mapped yet; sizes, addresses and
/// offsets on the device's granularity; pinned device memory without shareable handles. A reservation, allocation
/// or mapping lives on the device that was current when it was made, and its calls run in that device's context.
/// </summary>
internal sealed class VirtualMemoryCallHandler(SessionObjects objects) : IVirtualMemoryCalls
{
    /// <summary><c>CU_MEM_ALLOCATION_TYPE_PINNED</c>, the one type of memory a remote device serves.</summary>
    private const int AllocationTypePinned = 1;

    /// <summary><c>CU_MEM_ALLOC_GRANULARITY_RECOMMENDED</c> (0 is the minimum).</summary>
    private const uint GranularityRecommended = 1;

    private readonly Dictionary<int, ulong> _granularity = []; // device → its minimum granularity, asked once

    private SessionVirtualMemoryLimits Limits => objects.Config.VirtualMemoryLimits;

    public CudaStatus GetAllocationGranularity(int allocationType, int handleTypes, uint granularityKind, out ulong granularity)
    {
        granularity = 0;
        var status = objects.WithContext(out var context) ?? CheckProperties(allocationType, handleTypes, "cuMemGetAllocationGranularity");
        if (status is not null)
        {
            return status.Value;
        }
        return granularityKind switch
        {
            0 => MinimumGranularity(objects.CurrentDevice, context, out granularity) ?? CudaStatus.Success,
            GranularityRecommended => context.GetAllocationGranularity(recommended: true, out granularity),
            _ => CudaStatus.InvalidValue,
        };
    }

    public CudaStatus ReserveAddressRange(ulong bytes, ulong alignment, ulong addressHint, out ulong address)
    {
        address = 0;
        ulong granularity = 0;
        var status = objects.WithContext(out var context) ?? MinimumGranularity(objects.CurrentDevice, context, out granularity);
        if (status is not null)
        {
            return status.Value;
        }
        if (bytes == 0 || bytes % granularity != 0 || (alignment & (alignment - 1)) != 0)
        {
            return CudaStatus.InvalidValue;
        }
        var counts = objects.Tables.VirtualMemoryCounts();
        if (counts.Reservations >= Limits.MaxReservations || bytes > Limits.MaxReservedBytes - Math.Min(counts.ReservedBytes, Limits.MaxReservedBytes))
        {
            return CudaStatus.OutOfMemory;
        }
        // Only a hint: one that is not on the granularity is dropped rather than refused.
        var created = context.ReserveAddressRange(bytes, alignment, addressHint % granularity == 0 ? addressHint : 0, out address);
        if (created != CudaStatus.Success)
        {
            address = 0;
            return created;
        }
        objects.Tables.AddReservation(new SessionTables.Reservation(address, bytes, objects.CurrentDevice));
        return CudaStatus.Success;
    }

    public CudaStatus FreeAddressRange(ulong address, ulong bytes)
    {
        // The whole reservation, as it was made, with every mapping in it gone first (as the driver requires).
        if (!objects.Tables.TryFindReservation(address, bytes, out var reservation) || reservation.Address != address || reservation.Bytes != bytes
            || objects.Tables.HasMappingIn(address, bytes))
        {
            return CudaStatus.InvalidValue;
        }
        var status = objects.ContextOf(reservation.Device).FreeAddressRange(address, bytes);
        if (status == CudaStatus.Success)
        {
            objects.Tables.RemoveReservation(address);
        }
        return status;
    }

    public CudaStatus CreatePhysicalAllocation(ulong allocation, ulong bytes, int allocationType, int handleTypes)
    {
        ulong granularity = 0;
        var status = objects.WithContext(out var context) ?? objects.CheckNewHandle(allocation)
            ?? CheckProperties(allocationType, handleTypes, "cuMemCreate") ?? MinimumGranularity(objects.CurrentDevice, context, out granularity);
        if (status is not null)
        {
            return status.Value;
        }
        if (bytes == 0 || bytes % granularity != 0)
        {
            return CudaStatus.InvalidValue;
        }
        if (objects.Tables.VirtualMemoryCounts().PhysicalAllocations >= Limits.MaxPhysicalAllocations)
        {
            return CudaStatus.OutOfMemory;
        }
        if (objects.RefuseBeyondLimits(objects.CurrentDevice, bytes, newAllocation: false) is { } beyond)
        {
            return beyond;
        }
        var created = context.CreatePhysicalAllocation(bytes, out var gpuAllocation);
        if (created == CudaStatus.Success)
        {
            objects.Tables.AddPhysicalAllocation(allocation, new SessionTables.PhysicalAllocationEntry(objects.CurrentDevice, gpuAllocation, bytes, allocationType));
        }
        return created;
    }

    public CudaStatus ReleasePhysicalAllocation(ulong allocation)
    {
        if (!objects.Tables.TryGetPhysicalAllocation(allocation, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (objects.Tables.ReleasePhysicalAllocation(allocation, entry))
        {
            // Nothing maps it any more: its memory goes now, as the driver frees it with the last reference.
            return objects.ContextOf(entry.Device).ReleasePhysicalAllocation(entry.Allocation);
        }
        return CudaStatus.Success;
    }

    public CudaStatus MapMemory(ulong address, ulong bytes, ulong offset, ulong allocation)
    {
        if (!objects.Tables.TryGetPhysicalAllocation(allocation, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var context = objects.ContextOf(entry.Device);
        if (MinimumGranularity(entry.Device, context, out var granularity) is { } failed)
        {
            return failed;
        }
        // Offset 0 only, as the driver documents; the range on the granularity, inside one reservation of the
        // session, with nothing mapped there yet.
        if (offset != 0 || bytes == 0 || bytes % granularity != 0 || address % granularity != 0 || bytes > entry.Bytes
            || !objects.Tables.TryFindReservation(address, bytes, out var reservation) || objects.Tables.HasMappingIn(address, bytes))
        {
            return CudaStatus.InvalidValue;
        }
        if (reservation.Device != entry.Device)
        {
            Log.OtherDeviceRefused(objects.Logger, objects.SessionId, "cuMemMap", reservation.Device, entry.Device);
            return CudaStatus.NotSupported;
        }
        if (objects.Tables.VirtualMemoryCounts().Mappings >= Limits.MaxMappings)
        {
            return CudaStatus.OutOfMemory;
        }
        var status = context.MapMemory(address, bytes, entry.Allocation);
        if (status == CudaStatus.Success && !objects.Tables.TryAddMapping(address, bytes, entry.Device, allocation, entry))
        {
            // Cannot happen after the checks above; the table is never left disagreeing with the device.
            context.UnmapMemory(address, bytes);
            return CudaStatus.InvalidValue;
        }
        return status;
    }

    public CudaStatus UnmapMemory(ulong address, ulong bytes)
    {
        if (objects.Tables.WholeMappings(address, bytes) is not { } mappings)
        {
            return CudaStatus.InvalidValue;
        }
        var context = objects.ContextOf(mappings[0].Device);
        foreach (var mapping in mappings)
        {
            var status = context.UnmapMemory(mapping.Address, mapping.Bytes);
            if (status != CudaStatus.Success)
            {
                return status;
            }
            if (objects.Tables.RemoveMapping(mapping.Address) is { } unused)
            {
                context.ReleasePhysicalAllocation(unused.Allocation); // released earlier, kept only by this mapping
            }
        }
        return CudaStatus.Success;
    }

    public CudaStatus SetMemoryAccess(ulong address, ulong bytes, int device, uint flags)
    {
        if ((uint)device >= (uint)objects.DeviceCount)
        {
            return CudaStatus.InvalidDevice;
        }
        // CUmemAccess_flags: none, read, read and write.
        if (flags is not (0 or 1 or SessionTables.AccessReadWrite) || objects.Tables.WholeMappings(address, bytes) is not { } mappings)
        {
            return CudaStatus.InvalidValue;
        }
        if (mappings[0].Device != device)
        {
            Log.OtherDeviceRefused(objects.Logger, objects.SessionId, "cuMemSetAccess", device, mappings[0].Device);
            return CudaStatus.NotSupported;
        }
        var status = objects.ContextOf(device).SetMemoryAccess(address, bytes, flags);
        if (status == CudaStatus.Success)
        {
            foreach (var mapping in mappings)
            {
                objects.Tables.SetMappingAccess(mapping.Address, flags);
            }
        }
        return status;
    }

    public CudaStatus GetMemoryAccess(ulong address, int device, out uint flags)
    {
        flags = 0;
        if ((uint)device >= (uint)objects.DeviceCount)
        {
            return CudaStatus.InvalidDevice;
        }
        if (!objects.Tables.TryFindMapping(address, out var mapping))
        {
            return CudaStatus.InvalidValue;
        }
        flags = mapping.Device == device ? mapping.Access : 0; // no other device is ever given access
        return CudaStatus.Success;
    }

    public CudaStatus RetainPhysicalAllocation(ulong address, out ulong allocation)
    {
        allocation = 0;
        if (!objects.Tables.TryFindMapping(address, out var mapping) || !objects.Tables.TryRetainPhysicalAllocation(mapping.MappedAllocation, out _))
        {
            return CudaStatus.InvalidValue;
        }
        allocation = mapping.MappedAllocation;
        return CudaStatus.Success;
    }

    public CudaStatus GetPhysicalAllocationProperties(ulong allocation, out ulong bytes, out int device, out int allocationType, out int handleTypes)
    {
        (bytes, device, allocationType, handleTypes) = (0, 0, 0, 0);
        if (!objects.Tables.TryGetPhysicalAllocation(allocation, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        (bytes, device, allocationType) = (entry.Bytes, entry.Device, entry.AllocationType);
        return CudaStatus.Success;
    }

    /// <summary>Pinned memory, and no shareable handle: a file descriptor or fabric handle would name memory of the server's process.</summary>
    private CudaStatus? CheckProperties(int allocationType, int handleTypes, string call)
    {
        if (allocationType != AllocationTypePinned)
        {
            return CudaStatus.InvalidValue;
        }
        if (handleTypes != 0)
        {
            Log.ShareableHandleRefused(objects.Logger, objects.SessionId, call, handleTypes);
            return CudaStatus.NotSupported;
        }
        return null;
    }

    /// <summary>The device's minimum granularity, asked of its context once.</summary>
    private CudaStatus? MinimumGranularity(int device, IGpuContext context, out ulong granularity)
    {
        if (_granularity.TryGetValue(device, out granularity))
        {
            return null;
        }
        var status = context.GetAllocationGranularity(recommended: false, out granularity);
        if (status != CudaStatus.Success || granularity == 0)
        {
            granularity = 0;
            return status == CudaStatus.Success ? CudaStatus.Unknown : status;
        }
        _granularity[device] = granularity;
        return null;
    }
}
