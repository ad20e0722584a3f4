using Orion.Cuda.Protocol;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// What one session may hold (<see cref="SessionLimits"/>), against the emulated device: a memory quota that every
/// kind of device memory counts against and that is also the memory the session sees, and counts of allocations,
/// streams, events and modules; each refused with out of memory before the device is asked, and a second session
/// unaffected by the first one's use.
/// </summary>
public sealed class SessionLimitsTests : RemoteCudaTestBase
{
    private const ulong Quota = 1UL << 20;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private async Task<(RemoteCudaClient First, RemoteCudaClient Second)> TwoSessionsAsync(SessionLimits limits)
    {
        var (server, _) = await StartServerAsync(options => options.SessionLimits = limits);
        return (await ConnectAsync(server), await ConnectAsync(server));
    }

    [Fact]
    public async Task A_session_holds_at_most_its_quota_and_another_session_has_its_own()
    {
        var (first, second) = await TwoSessionsAsync(new SessionLimits { MemoryQuotaBytes = Quota });

        Assert.Equal(CudaStatus.Success, first.Allocate(768 * 1024, out var held));
        Assert.Equal(CudaStatus.OutOfMemory, first.Allocate(512 * 1024, out _));
        Assert.Equal(CudaStatus.Success, first.Allocate(256 * 1024, out var exact)); // to the byte
        Assert.Equal(CudaStatus.OutOfMemory, first.Allocate(1, out _));
        // The second session's quota is its own: the first one's use takes nothing from it.
        Assert.Equal(CudaStatus.Success, second.Allocate(Quota, out var whole));
        Assert.Equal(CudaStatus.Success, first.Free(exact));
        Assert.Equal(CudaStatus.Success, first.Allocate(256 * 1024, out _));
        Assert.Equal(CudaStatus.Success, first.Free(held));
        Assert.Equal(CudaStatus.Success, second.Free(whole));
    }

    [Fact]
    public async Task The_quota_is_the_memory_the_session_sees()
    {
        var (first, _) = await TwoSessionsAsync(new SessionLimits { MemoryQuotaBytes = Quota });

        Assert.Equal(Quota, first.Devices[0].TotalMemory);
        Assert.Equal(CudaStatus.Success, first.Allocate(384 * 1024, out _));
        Assert.Equal(CudaStatus.Success, first.GetMemoryInfo(out var free, out var total));
        Assert.Equal(Quota, total);
        Assert.Equal(Quota - (384 * 1024), free);
    }

    [Fact]
    public async Task Stream_ordered_pitched_and_array_memory_count_against_the_quota()
    {
        var (first, _) = await TwoSessionsAsync(new SessionLimits { MemoryQuotaBytes = Quota });

        Assert.Equal(CudaStatus.Success, first.AllocateAsync(512 * 1024, 0, out _));
        Assert.Equal(CudaStatus.Success, first.Synchronize());
        Assert.Equal(CudaStatus.OutOfMemory, first.AllocatePitch(1024, 600, 4, out _, out _)); // 600 KiB of rows
        Assert.Equal(CudaStatus.Success, first.CreateArray(256, 256, 0, ArrayFormat.Float, 1, 0, out _)); // 256 KiB
        Assert.Equal(CudaStatus.OutOfMemory, first.CreateArray(257, 256, 0, ArrayFormat.Float, 1, 0, out _)); // 1 KiB past
        Assert.Equal(CudaStatus.OutOfMemory, first.Allocate(256 * 1024 + 1, out _));
        Assert.Equal(CudaStatus.Success, first.Allocate(256 * 1024, out _));
    }

    [Fact]
    public async Task Counts_of_allocations_streams_and_events_are_limited()
    {
        var (first, second) = await TwoSessionsAsync(new SessionLimits { MaxAllocations = 2, MaxStreams = 2, MaxEvents = 1 });

        Assert.Equal(CudaStatus.Success, first.Allocate(4096, out var a));
        Assert.Equal(CudaStatus.Success, first.Allocate(4096, out _));
        Assert.Equal(CudaStatus.OutOfMemory, first.Allocate(4096, out _));
        Assert.Equal(CudaStatus.Success, first.Free(a));
        Assert.Equal(CudaStatus.Success, first.Allocate(4096, out _));

        // Streams and events are created without a round trip: a refusal comes at the next synchronizing call.
        Assert.Equal(CudaStatus.Success, first.CreateStream(0, 0, out var s1));
        Assert.Equal(CudaStatus.Success, first.CreateStream(0, 0, out _));
        Assert.Equal(CudaStatus.Success, first.Synchronize());
        Assert.Equal(CudaStatus.Success, first.CreateStream(0, 0, out _));
        Assert.Equal(CudaStatus.OutOfMemory, first.Synchronize());
        Assert.Equal(CudaStatus.Success, first.DestroyStream(s1));
        Assert.Equal(CudaStatus.Success, first.CreateStream(0, 0, out _));
        Assert.Equal(CudaStatus.Success, first.Synchronize());

        Assert.Equal(CudaStatus.Success, first.CreateEvent(0, out _));
        Assert.Equal(CudaStatus.Success, first.Synchronize());
        Assert.Equal(CudaStatus.Success, first.CreateEvent(0, out _));
        Assert.Equal(CudaStatus.OutOfMemory, first.Synchronize());

        // The other session is held to its own counts only.
        Assert.Equal(CudaStatus.Success, second.CreateEvent(0, out _));
        Assert.Equal(CudaStatus.Success, second.Allocate(4096, out _));
    }

    [Fact]
    public async Task A_module_image_over_the_limit_is_refused_before_it_is_buffered_and_the_session_carries_on()
    {
        var (first, second) = await TwoSessionsAsync(new SessionLimits { MaxModuleImageBytes = 64 * 1024 });

        var large = new byte[64 * 1024 + 1];
        "// emulated module\n"u8.CopyTo(large);
        Assert.Equal(CudaStatus.OutOfMemory, first.LoadModule(large, out _));
        // Its data was dropped in order: the session reads its next records as records and works on.
        Assert.Equal(CudaStatus.Success, first.LoadModule(large.AsSpan(0, 64 * 1024), out var module));
        Assert.Equal(CudaStatus.Success, first.UnloadModule(module));
        Assert.Equal(CudaStatus.Success, first.Synchronize());
        Assert.Equal(CudaStatus.Success, second.LoadModule(TestKernels.ModuleImage, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SessionLimits { MaxModuleImageBytes = (512L << 20) + 1 }.Validate());
    }

    [Fact]
    public async Task A_quota_of_nothing_is_refused_when_the_server_starts()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            StartServerAsync(options => options.SessionLimits = new SessionLimits { MemoryQuotaBytes = 0 }));
    }
}
