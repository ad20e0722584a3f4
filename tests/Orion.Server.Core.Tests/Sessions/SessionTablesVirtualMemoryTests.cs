using Orion.Server.Core.Backend;
using Orion.Server.Core.Sessions;

namespace Orion.Server.Core.Tests.Sessions;

/// <summary>
/// The session's table of reservations, physical allocations and mappings: what counts as device memory for the
/// checks of copies and memsets, which ranges are whole mappings, and when an allocation is forgotten.
/// </summary>
public class SessionTablesVirtualMemoryTests
{
    private const ulong Granule = 2UL << 20;
    private const ulong Base = 0x7000_0000_0000;

    private static (SessionTables Tables, SessionTables.PhysicalAllocationEntry Entry) WithTwoMappings(uint access)
    {
        var tables = new SessionTables();
        tables.AddReservation(new SessionTables.Reservation(Base, 8 * Granule, 0));
        var entry = new SessionTables.PhysicalAllocationEntry(0, new GpuPhysicalAllocationHandle(1), 2 * Granule, 1);
        tables.AddPhysicalAllocation(16, entry);
        Assert.True(tables.TryAddMapping(Base, Granule, 0, 16, entry));
        Assert.True(tables.TryAddMapping(Base + Granule, Granule, 0, 16, entry));
        tables.SetMappingAccess(Base, access);
        tables.SetMappingAccess(Base + Granule, access);
        return (tables, entry);
    }

    [Fact]
    public void Mappings_the_device_may_read_and_write_are_device_memory_across_their_boundaries()
    {
        var (tables, _) = WithTwoMappings(SessionTables.AccessReadWrite);

        Assert.True(tables.ContainsRange(Base, 2 * Granule, 0));
        Assert.True(tables.ContainsRange(Base + Granule - 8, 16, 0));
        Assert.False(tables.ContainsRange(Base + Granule, Granule + 1, 0)); // into the reserved, unmapped rest
        Assert.False(tables.ContainsRange(Base + (2 * Granule), 16, 0));
        Assert.False(tables.ContainsRange(Base, 16, 1)); // another device
        // A mapping is not the session's to free as an allocation.
        Assert.False(tables.RemoveAllocation(Base));
        Assert.Equal((1, 2 * Granule), (tables.Counts().Allocations, tables.Counts().Bytes));
    }

    [Fact]
    public void Mappings_without_read_and_write_access_are_not()
    {
        var (tables, _) = WithTwoMappings(1);
        Assert.False(tables.ContainsRange(Base, 16, 0));

        tables.SetMappingAccess(Base, SessionTables.AccessReadWrite);
        Assert.True(tables.ContainsRange(Base, Granule, 0));
        Assert.False(tables.ContainsRange(Base, Granule + 1, 0)); // the second is still read only
    }

    [Fact]
    public void Whole_mappings_are_told_from_parts_of_them()
    {
        var (tables, _) = WithTwoMappings(0);

        Assert.Equal(2, tables.WholeMappings(Base, 2 * Granule)?.Count);
        Assert.Single(tables.WholeMappings(Base + Granule, Granule)!);
        Assert.Null(tables.WholeMappings(Base, Granule + 4096));
        Assert.Null(tables.WholeMappings(Base + 4096, Granule));
        Assert.Null(tables.WholeMappings(Base, 3 * Granule));
        Assert.Null(tables.WholeMappings(Base, 0));
        Assert.True(tables.HasMappingIn(Base + Granule + 4096, 4096));
        Assert.False(tables.HasMappingIn(Base + (2 * Granule), 6 * Granule));
        Assert.False(tables.TryAddMapping(Base + Granule - 4096, Granule, 0, 16, new SessionTables.PhysicalAllocationEntry(0, default, Granule, 1)));
    }

    [Fact]
    public void A_released_allocation_is_forgotten_with_its_last_mapping()
    {
        var (tables, entry) = WithTwoMappings(SessionTables.AccessReadWrite);

        Assert.False(tables.ReleasePhysicalAllocation(16, entry)); // still mapped
        Assert.False(tables.TryGetPhysicalAllocation(16, out _)); // but its handle is gone
        Assert.Null(tables.RemoveMapping(Base));
        Assert.Equal(2 * Granule, tables.VirtualMemoryCounts().PhysicalBytes);
        Assert.Same(entry, tables.RemoveMapping(Base + Granule));
        Assert.Equal((1, 0, 0UL, 0), (tables.VirtualMemoryCounts().Reservations, tables.VirtualMemoryCounts().PhysicalAllocations,
            tables.VirtualMemoryCounts().PhysicalBytes, tables.VirtualMemoryCounts().Mappings));
    }

    [Fact]
    public void A_device_reset_forgets_what_lived_on_the_device()
    {
        var (tables, _) = WithTwoMappings(SessionTables.AccessReadWrite);
        tables.AddReservation(new SessionTables.Reservation(Base + (64 * Granule), Granule, 1));

        tables.RemoveDevice(0);

        Assert.False(tables.ContainsRange(Base, 16, 0));
        Assert.False(tables.TryFindReservation(Base, Granule, out _));
        Assert.True(tables.TryFindReservation(Base + (64 * Granule), Granule, out _));
        Assert.Equal((1, Granule, 0, 0UL, 0), tables.VirtualMemoryCounts());
        Assert.Equal(0UL, tables.Counts().Bytes);
    }
}
