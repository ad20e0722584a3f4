using System.Buffers.Binary;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core.Sessions;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The virtual memory management API end to end against the emulated device: reserve, create, map, give the device
/// access, copy and compute through the mapped range (across mappings), unmap, release, free; what a session may not
/// do (map outside its reservations, map another session's allocation or into another session's reservation, copy
/// into reserved but unmapped memory, go past its limits, free a mapping as an allocation); and that everything goes
/// with the session.
/// </summary>
public sealed class VirtualMemoryTests : RemoteCudaTestBase
{
    private const ulong Granularity = 2UL << 20; // the emulated device's, a current GPU's

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private RemoteCudaClient Client => Gpu.Client;

    private static unsafe CudaStatus Upload(RemoteCudaClient client, ulong address, byte[] data)
    {
        fixed (byte* source = data)
        {
            return client.CopyHostToDevice(address, (nint)source, (ulong)data.Length);
        }
    }

    private static unsafe CudaStatus Download(RemoteCudaClient client, ulong address, byte[] data)
    {
        fixed (byte* destination = data)
        {
            return client.CopyDeviceToHost((nint)destination, address, (ulong)data.Length);
        }
    }

    private static byte[] Pattern(int bytes, int seed)
    {
        var data = new byte[bytes];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>A reservation of <paramref name="chunks"/> granules with the first <paramref name="mapped"/> of them mapped (one allocation each) and accessible.</summary>
    private static (ulong Address, ulong[] Allocations) Segment(RemoteCudaClient client, int chunks, int mapped)
    {
        Assert.Equal(CudaStatus.Success, client.ReserveAddressRange((ulong)chunks * Granularity, 0, 0, out var address));
        var allocations = new ulong[mapped];
        for (var i = 0; i < mapped; i++)
        {
            Assert.Equal(CudaStatus.Success, client.CreatePhysicalAllocation(Granularity, out allocations[i]));
            Assert.Equal(CudaStatus.Success, client.MapMemory(address + ((ulong)i * Granularity), Granularity, allocations[i]));
        }
        if (mapped > 0)
        {
            Assert.Equal(CudaStatus.Success, client.SetMemoryAccess(address, (ulong)mapped * Granularity, 0));
        }
        return (address, allocations);
    }

    [Fact]
    public void The_granularity_is_asked_for_pinned_memory_without_shareable_handles()
    {
        Assert.Equal(CudaStatus.Success, Client.GetAllocationGranularity(false, out var minimum));
        Assert.Equal(CudaStatus.Success, Client.GetAllocationGranularity(true, out var recommended));
        Assert.Equal(Granularity, minimum);
        Assert.True(recommended >= minimum && recommended % minimum == 0);
        Assert.Equal(CudaStatus.InvalidValue, Client.GetAllocationGranularity(false, out _, allocationType: 0));
        Assert.Equal(CudaStatus.NotSupported, Client.GetAllocationGranularity(false, out _, handleTypes: 1)); // POSIX file descriptor
        Assert.Equal(CudaStatus.NotSupported, Client.CreatePhysicalAllocation(Granularity, out var allocation, handleTypes: 8)); // fabric
        Assert.Equal(0UL, allocation);
        Assert.Equal(CudaStatus.InvalidValue, Client.CreatePhysicalAllocation(Granularity, out _, allocationType: 2));
    }

    [Fact]
    public void Mapped_memory_is_device_memory_across_mappings_until_unmapped()
    {
        var before = Backend.UsedBytes(0);
        // As PyTorch's expandable segments: a large reservation, granules mapped one after another as it grows.
        Assert.Equal(CudaStatus.Success, Client.ReserveAddressRange(64 * Granularity, 0, 0, out var segment));
        Assert.Equal(0UL, segment % Granularity);
        var allocations = new List<ulong>();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(CudaStatus.Success, Client.CreatePhysicalAllocation(Granularity, out var allocation));
            Assert.Equal(CudaStatus.Success, Client.MapMemory(segment + ((ulong)i * Granularity), Granularity, allocation));
            Assert.Equal(CudaStatus.Success, Client.SetMemoryAccess(segment + ((ulong)i * Granularity), Granularity, 0));
            allocations.Add(allocation);
        }
        Assert.Equal(before + (3 * Granularity), Backend.UsedBytes(0));
        Assert.Equal(CudaStatus.Success, Client.GetMemoryAccess(segment + Granularity + 5, 0, out var access));
        Assert.Equal(RemoteCudaClient.MemoryAccessReadWrite, access);

        // A copy that starts in the first granule and ends in the third, in and out.
        var data = Pattern((int)(2 * Granularity), 1);
        var start = segment + (Granularity / 2);
        Assert.Equal(CudaStatus.Success, Upload(Client, start, data));
        var back = new byte[data.Length];
        Assert.Equal(CudaStatus.Success, Download(Client, start, back));
        Assert.Equal(data, back);

        // Device to device with an ordinary allocation, and a memset over a mapping boundary.
        using (var plain = Gpu.Allocate<byte>(4096))
        {
            Assert.Equal(CudaStatus.Success, Client.CopyDeviceToDevice(plain.Address, segment + Granularity - 2048, 4096));
            Assert.Equal(data.AsSpan((int)(Granularity / 2) - 2048, 4096).ToArray(), plain.ToArray());
        }
        Assert.Equal(CudaStatus.Success, Client.Memset(segment + (2 * Granularity) - 8, 0xAB, 1, 16));
        var around = new byte[16];
        Assert.Equal(CudaStatus.Success, Download(Client, segment + (2 * Granularity) - 8, around));
        Assert.All(around, b => Assert.Equal(0xAB, b));

        // The server's view: one allocation per granule, counted as the session's device memory.
        var snapshot = Assert.Single(Server.Sessions);
        Assert.True(snapshot.AllocatedBytes >= 3 * Granularity);

        // Unmapped, the granule is no device memory any more; the rest still is.
        Assert.Equal(CudaStatus.Success, Client.UnmapMemory(segment + (2 * Granularity), Granularity));
        Assert.Equal(CudaStatus.InvalidValue, Upload(Client, segment + (2 * Granularity), new byte[16]));
        Assert.Equal(CudaStatus.InvalidValue, Download(Client, segment + Granularity, new byte[Granularity + 1]));
        Assert.Equal(CudaStatus.Success, Download(Client, segment + Granularity, new byte[Granularity]));
        Assert.Equal(CudaStatus.Success, Client.UnmapMemory(segment, 2 * Granularity)); // two whole mappings at once
        foreach (var allocation in allocations)
        {
            Assert.Equal(CudaStatus.Success, Client.ReleasePhysicalAllocation(allocation));
        }
        Assert.Equal(before, Backend.UsedBytes(0));
        Assert.Equal(CudaStatus.Success, Client.FreeAddressRange(segment, 64 * Granularity));
        Assert.Equal(CudaStatus.InvalidValue, Client.FreeAddressRange(segment, 64 * Granularity));
        Assert.Equal(CudaStatus.InvalidHandle, Client.ReleasePhysicalAllocation(allocations[0]));
    }

    [Fact]
    public void Kernels_read_and_write_mapped_memory()
    {
        var (segment, _) = Segment(Client, 4, 2);
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        const int N = 1024;
        // a and b straddle the two mappings; c is an ordinary allocation.
        var a = segment + Granularity - (N * sizeof(float) / 2);
        var b = a + (N * sizeof(float));
        var values = new byte[2 * N * sizeof(float)];
        for (var i = 0; i < 2 * N; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(values.AsSpan(i * sizeof(float)), i);
        }
        Assert.Equal(CudaStatus.Success, Upload(Client, a, values));
        using var c = Gpu.Allocate<float>(N);
        var packed = new byte[28];
        BinaryPrimitives.WriteUInt64LittleEndian(packed, a);
        BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(8), b);
        BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(16), c.Address);
        BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(24), N);
        Assert.Equal(CudaStatus.Success, Client.Launch(kernel.Handle, new Dim3(4), new Dim3(256), 0, 0, packed));
        Gpu.Synchronize();
        var sums = c.ToArray();
        for (var i = 0; i < N; i++)
        {
            Assert.Equal((float)(i + N + i), sums[i]);
        }
    }

    [Fact]
    public void Reserved_memory_is_no_device_memory_until_mapped_and_made_accessible()
    {
        Assert.Equal(CudaStatus.Success, Client.ReserveAddressRange(4 * Granularity, 0, 0, out var segment));
        Assert.Equal(CudaStatus.InvalidValue, Upload(Client, segment, new byte[64]));
        Assert.Equal(CudaStatus.InvalidValue, Client.Memset(segment, 0, 1, 64));
        Assert.Equal(CudaStatus.InvalidValue, Client.GetMemoryAccess(segment, 0, out _));

        Assert.Equal(CudaStatus.Success, Client.CreatePhysicalAllocation(Granularity, out var allocation));
        Assert.Equal(CudaStatus.Success, Client.MapMemory(segment, Granularity, allocation));
        // Mapped without access: the device may not touch it yet.
        Assert.Equal(CudaStatus.Success, Client.GetMemoryAccess(segment, 0, out var access));
        Assert.Equal(0u, access);
        Assert.Equal(CudaStatus.InvalidValue, Upload(Client, segment, new byte[64]));
        Assert.Equal(CudaStatus.Success, Client.SetMemoryAccess(segment, Granularity, 0, flags: 1)); // read only
        Assert.Equal(CudaStatus.InvalidValue, Upload(Client, segment, new byte[64]));
        Assert.Equal(CudaStatus.Success, Client.SetMemoryAccess(segment, Granularity, 0));
        Assert.Equal(CudaStatus.Success, Upload(Client, segment, new byte[64]));
        // Past the mapping, into the reserved rest, is refused like an unknown address.
        Assert.Equal(CudaStatus.InvalidValue, Upload(Client, segment + Granularity - 32, new byte[64]));
        Assert.Equal(CudaStatus.InvalidValue, Client.CopyDeviceToDevice(segment + Granularity, segment, 64));
        // A mapping is not an allocation: cuMemFree of it is refused, and it stays mapped.
        Assert.Equal(CudaStatus.InvalidValue, Client.Free(segment));
        Assert.Equal(CudaStatus.Success, Upload(Client, segment, new byte[64]));
        // Access only over whole mappings, and only for the memory's own device.
        Assert.Equal(CudaStatus.InvalidValue, Client.SetMemoryAccess(segment, Granularity / 2, 0));
        Assert.Equal(CudaStatus.InvalidValue, Client.SetMemoryAccess(segment, 2 * Granularity, 0));
        Assert.Equal(CudaStatus.InvalidValue, Client.SetMemoryAccess(segment, Granularity, 0, flags: 2));
        Assert.Equal(CudaStatus.InvalidDevice, Client.SetMemoryAccess(segment, Granularity, 5));
    }

    [Fact]
    public void A_mapping_must_lie_inside_a_reservation_where_nothing_is_mapped()
    {
        Assert.Equal(CudaStatus.Success, Client.ReserveAddressRange(4 * Granularity, 0, 0, out var segment));
        Assert.Equal(CudaStatus.Success, Client.CreatePhysicalAllocation(2 * Granularity, out var allocation));
        using var plain = Gpu.Allocate<byte>(1 << 20);
        var before = Backend.UsedBytes(0);

        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(segment + (3 * Granularity), 2 * Granularity, allocation)); // runs past its end
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(segment - Granularity, Granularity, allocation)); // before it
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(segment + (64 * Granularity), Granularity, allocation)); // nowhere reserved
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(plain.Address & ~(Granularity - 1), Granularity, allocation)); // ordinary memory
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(segment + 4096, Granularity, allocation)); // off the granularity
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(segment, Granularity + 4096, allocation));
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(segment, 3 * Granularity, allocation)); // more than the allocation
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(segment, Granularity, allocation, offset: Granularity)); // offset 0 only
        Assert.Equal(CudaStatus.InvalidHandle, Client.MapMemory(segment, Granularity, 0x7777_7777));

        Assert.Equal(CudaStatus.Success, Client.MapMemory(segment + Granularity, 2 * Granularity, allocation));
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(segment, 2 * Granularity, allocation)); // overlaps it
        // Unmap and free take whole mappings and whole, empty reservations only.
        Assert.Equal(CudaStatus.InvalidValue, Client.UnmapMemory(segment + Granularity, Granularity));
        Assert.Equal(CudaStatus.InvalidValue, Client.UnmapMemory(segment, 3 * Granularity));
        Assert.Equal(CudaStatus.InvalidValue, Client.FreeAddressRange(segment, 4 * Granularity));
        Assert.Equal(CudaStatus.InvalidValue, Client.FreeAddressRange(segment, 2 * Granularity));
        Assert.Equal(before, Backend.UsedBytes(0));
        Assert.Equal(CudaStatus.Success, Client.UnmapMemory(segment + Granularity, 2 * Granularity));
        Assert.Equal(CudaStatus.Success, Client.FreeAddressRange(segment, 4 * Granularity));
        Assert.Equal(CudaStatus.Success, Client.ReleasePhysicalAllocation(allocation));
    }

    [Fact]
    public void A_released_allocation_lives_on_in_its_mappings_and_can_be_retained_from_them()
    {
        var before = Backend.UsedBytes(0);
        var (segment, allocations) = Segment(Client, 2, 1);
        var data = Pattern(4096, 7);
        Assert.Equal(CudaStatus.Success, Upload(Client, segment, data));
        // The handle goes with its last reference; the memory stays mapped.
        Assert.Equal(CudaStatus.Success, Client.ReleasePhysicalAllocation(allocations[0]));
        Assert.Equal(CudaStatus.InvalidHandle, Client.MapMemory(segment + Granularity, Granularity, allocations[0]));
        Assert.Equal(CudaStatus.InvalidHandle, Client.GetPhysicalAllocationProperties(allocations[0], out _, out _, out _, out _));
        var back = new byte[data.Length];
        Assert.Equal(CudaStatus.Success, Download(Client, segment, back));
        Assert.Equal(data, back);
        Assert.Equal(before + Granularity, Backend.UsedBytes(0));

        // cuMemRetainAllocationHandle from any address of the mapping gives the same handle back, usable again.
        Assert.Equal(CudaStatus.Success, Client.RetainPhysicalAllocation(segment + 100, out var retained));
        Assert.Equal(allocations[0], retained);
        Assert.Equal(CudaStatus.Success, Client.GetPhysicalAllocationProperties(retained, out var bytes, out var device, out var type, out var handleTypes));
        Assert.Equal((Granularity, 0, RemoteCudaClient.PhysicalAllocationPinned, 0), (bytes, device, type, handleTypes));
        // Mapped a second time, it is the same memory in both places.
        Assert.Equal(CudaStatus.Success, Client.MapMemory(segment + Granularity, Granularity, retained));
        Assert.Equal(CudaStatus.Success, Client.SetMemoryAccess(segment + Granularity, Granularity, 0));
        Assert.Equal(CudaStatus.Success, Download(Client, segment + Granularity, back));
        Assert.Equal(data, back);
        Assert.Equal(CudaStatus.InvalidValue, Client.RetainPhysicalAllocation(segment + (2 * Granularity), out _)); // past the reservation

        Assert.Equal(CudaStatus.Success, Client.ReleasePhysicalAllocation(retained));
        Assert.Equal(CudaStatus.Success, Client.UnmapMemory(segment, Granularity));
        Assert.Equal(before + Granularity, Backend.UsedBytes(0)); // still mapped once
        Assert.Equal(CudaStatus.Success, Client.UnmapMemory(segment + Granularity, Granularity));
        Assert.Equal(before, Backend.UsedBytes(0)); // the last mapping took the memory with it
        Assert.Equal(CudaStatus.Success, Client.FreeAddressRange(segment, 2 * Granularity));
    }

    [Fact]
    public async Task A_session_cannot_use_another_sessions_reservations_or_allocations()
    {
        var other = await ConnectAsync(Server);
        var (segment, allocations) = Segment(Client, 4, 1);
        Assert.Equal(CudaStatus.Success, Upload(Client, segment, Pattern(64, 3)));
        Assert.Equal(CudaStatus.Success, Client.CreatePhysicalAllocation(Granularity, out var unmapped));
        Assert.Equal(CudaStatus.Success, other.ReserveAddressRange(4 * Granularity, 0, 0, out var theirs));

        // A session's handles name nothing in another (handles are the client's numbers: each session has its own).
        Assert.Equal(CudaStatus.InvalidHandle, other.MapMemory(theirs, Granularity, unmapped));
        Assert.Equal(CudaStatus.InvalidHandle, other.MapMemory(theirs, Granularity, allocations[0]));
        Assert.Equal(CudaStatus.InvalidHandle, other.ReleasePhysicalAllocation(allocations[0]));
        Assert.Equal(CudaStatus.InvalidHandle, other.GetPhysicalAllocationProperties(unmapped, out _, out _, out _, out _));
        // Its own allocation cannot go into this session's reservation, nor this one's into its.
        Assert.Equal(CudaStatus.Success, other.CreatePhysicalAllocation(Granularity, out var their));
        Assert.Equal(CudaStatus.InvalidValue, other.MapMemory(segment + Granularity, Granularity, their));
        Assert.Equal(CudaStatus.InvalidValue, Client.MapMemory(theirs, Granularity, unmapped));
        // Nor is the other session's mapped memory anything it can reach, unmap, retain or free.
        Assert.Equal(CudaStatus.InvalidValue, Download(other, segment, new byte[64]));
        Assert.Equal(CudaStatus.InvalidValue, other.UnmapMemory(segment, Granularity));
        Assert.Equal(CudaStatus.InvalidValue, other.SetMemoryAccess(segment, Granularity, 0));
        Assert.Equal(CudaStatus.InvalidValue, other.RetainPhysicalAllocation(segment, out _));
        Assert.Equal(CudaStatus.InvalidValue, other.FreeAddressRange(segment, 4 * Granularity));
        var back = new byte[64];
        Assert.Equal(CudaStatus.Success, Download(Client, segment, back));
        Assert.Equal(Pattern(64, 3), back);
    }

    [Fact]
    public async Task Limits_are_refused_before_anything_is_allocated()
    {
        var (server, backend) = await StartServerAsync(options => options.VirtualMemoryLimits = new SessionVirtualMemoryLimits(
            MaxReservations: 2, MaxReservedBytes: 8 * Granularity, MaxPhysicalAllocations: 2, MaxMappings: 2));
        var client = await ConnectAsync(server);
        var before = backend.UsedBytes(0);

        Assert.Equal(CudaStatus.OutOfMemory, client.ReserveAddressRange(10 * Granularity, 0, 0, out _)); // more than the total
        Assert.Equal(CudaStatus.Success, client.ReserveAddressRange(6 * Granularity, 0, 0, out var first));
        Assert.Equal(CudaStatus.OutOfMemory, client.ReserveAddressRange(4 * Granularity, 0, 0, out _)); // the total again
        Assert.Equal(CudaStatus.Success, client.ReserveAddressRange(2 * Granularity, 0, 0, out var second));
        Assert.Equal(CudaStatus.Success, client.FreeAddressRange(second, 2 * Granularity));
        Assert.Equal(CudaStatus.Success, client.ReserveAddressRange(Granularity, 0, 0, out _));
        Assert.Equal(CudaStatus.OutOfMemory, client.ReserveAddressRange(Granularity, 0, 0, out _)); // the count

        Assert.Equal(CudaStatus.Success, client.CreatePhysicalAllocation(Granularity, out var a));
        Assert.Equal(CudaStatus.Success, client.CreatePhysicalAllocation(Granularity, out var b));
        var charged = backend.UsedBytes(0);
        Assert.Equal(before + (2 * Granularity), charged);
        Assert.Equal(CudaStatus.OutOfMemory, client.CreatePhysicalAllocation(Granularity, out var refused));
        Assert.Equal(0UL, refused);
        Assert.Equal(charged, backend.UsedBytes(0));

        Assert.Equal(CudaStatus.Success, client.MapMemory(first, Granularity, a));
        Assert.Equal(CudaStatus.Success, client.MapMemory(first + Granularity, Granularity, b));
        Assert.Equal(CudaStatus.OutOfMemory, client.MapMemory(first + (2 * Granularity), Granularity, a));
        // A released allocation still mapped counts until its mapping goes.
        Assert.Equal(CudaStatus.Success, client.ReleasePhysicalAllocation(a));
        Assert.Equal(CudaStatus.OutOfMemory, client.CreatePhysicalAllocation(Granularity, out _));
        Assert.Equal(CudaStatus.Success, client.UnmapMemory(first, Granularity));
        Assert.Equal(CudaStatus.Success, client.CreatePhysicalAllocation(Granularity, out _));
    }

    [Fact]
    public async Task Everything_goes_with_the_session()
    {
        var before = Backend.UsedBytes(0);
        var client = await ConnectAsync(Server);
        var (segment, allocations) = Segment(client, 16, 3);
        Assert.Equal(CudaStatus.Success, Upload(client, segment, Pattern((int)Granularity, 5)));
        Assert.Equal(CudaStatus.Success, client.CreatePhysicalAllocation(4 * Granularity, out _)); // never mapped
        Assert.Equal(CudaStatus.Success, client.ReleasePhysicalAllocation(allocations[1])); // released, still mapped
        Assert.Equal(CudaStatus.Success, client.ReserveAddressRange(8 * Granularity, 0, 0, out _)); // nothing mapped
        Assert.Equal(before + (7 * Granularity), Backend.UsedBytes(0));
        Assert.Equal(2, Server.Sessions.Count);

        await client.DisposeAsync();
        await WaitUntilAsync(() => Server.Sessions.Count == 1, "the session ended");
        Assert.Equal(before, Backend.UsedBytes(0));
    }

    [Fact]
    public void A_device_reset_takes_the_sessions_virtual_memory_with_it()
    {
        var before = Backend.UsedBytes(0);
        var (segment, allocations) = Segment(Client, 4, 2);
        Assert.Equal(CudaStatus.Success, Client.DeviceReset());
        Assert.Equal(before, Backend.UsedBytes(0));
        Assert.Equal(CudaStatus.InvalidValue, Upload(Client, segment, new byte[64]));
        Assert.Equal(CudaStatus.InvalidHandle, Client.ReleasePhysicalAllocation(allocations[0]));
        Assert.Equal(CudaStatus.InvalidValue, Client.FreeAddressRange(segment, 4 * Granularity));
    }
}
