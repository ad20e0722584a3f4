using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Stream-ordered memory pools end to end against the emulated device: the session's default pool and
/// pools it creates, their attributes as CUDA reports them, the device's current pool, what each session
/// may see of another's pools (nothing), and that a session's pool memory goes back when it ends.
/// </summary>
public sealed class MemoryPoolTests : RemoteCudaTestBase
{
    // CUmemPool_attribute
    private const int ReuseAllowOpportunistic = 2;
    private const int ReleaseThreshold = 4;
    private const int ReservedCurrent = 5;
    private const int ReservedHigh = 6;
    private const int UsedCurrent = 7;
    private const int UsedHigh = 8;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private RemoteCudaClient Client => Gpu.Client;

    private ulong Attribute(ulong pool, int attribute, RemoteCudaClient? client = null)
    {
        Assert.Equal(CudaStatus.Success, (client ?? Client).GetMemoryPoolAttribute(pool, attribute, out var value));
        return value;
    }

    [Fact]
    public void The_default_pool_is_one_handle_and_serves_stream_ordered_allocations()
    {
        Assert.Equal(CudaStatus.Success, Client.GetDefaultMemoryPool(out var pool));
        Assert.Equal(CudaStatus.Success, Client.GetDefaultMemoryPool(out var again));
        Assert.Equal(pool, again);
        // The driver's defaults: no threshold, every reuse policy on, nothing held.
        Assert.Equal(0UL, Attribute(pool, ReleaseThreshold));
        Assert.Equal(1UL, Attribute(pool, ReuseAllowOpportunistic));
        Assert.Equal(0UL, Attribute(pool, UsedCurrent));

        using var stream = Gpu.CreateStream();
        Assert.Equal(CudaStatus.Success, Client.AllocateAsync(1 << 20, stream.Handle, out var address));
        Assert.True(Attribute(pool, UsedCurrent) >= 1 << 20, "cuMemAllocAsync takes from the default pool");
        Assert.True(Attribute(pool, ReservedCurrent) >= Attribute(pool, UsedCurrent));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(address, stream.Handle));
        stream.Synchronize();
        Assert.Equal(0UL, Attribute(pool, UsedCurrent));
        // Threshold 0: what the pool held went back at the synchronization.
        Assert.Equal(0UL, Attribute(pool, ReservedCurrent));
        Assert.True(Attribute(pool, UsedHigh) >= 1 << 20);
    }

    [Fact]
    public void A_release_threshold_keeps_freed_memory_for_reuse_until_trimmed()
    {
        Assert.Equal(CudaStatus.Success, Client.GetDefaultMemoryPool(out var pool));
        Assert.Equal(CudaStatus.Success, Client.SetMemoryPoolAttribute(pool, ReleaseThreshold, 64UL << 20));
        Assert.Equal(64UL << 20, Attribute(pool, ReleaseThreshold));
        var before = Backend.UsedBytes(0);

        Assert.Equal(CudaStatus.Success, Client.AllocateAsync(1 << 20, 0, out var first));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(first, 0));
        Assert.Equal(CudaStatus.Success, Client.Synchronize());
        Assert.Equal(0UL, Attribute(pool, UsedCurrent));
        var kept = Attribute(pool, ReservedCurrent);
        Assert.True(kept >= 1 << 20, "memory under the threshold stays with the pool");
        Assert.Equal(before + kept, Backend.UsedBytes(0));

        // The kept memory serves the next allocation of the size: the device gives nothing new.
        Assert.Equal(CudaStatus.Success, Client.AllocateAsync(1 << 20, 0, out var second));
        Assert.Equal(first, second);
        Assert.Equal(kept, Attribute(pool, ReservedCurrent));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(second, 0));

        Assert.Equal(CudaStatus.Success, Client.TrimMemoryPool(pool, 0));
        Assert.Equal(0UL, Attribute(pool, ReservedCurrent));
        Assert.Equal(before, Backend.UsedBytes(0));
        Assert.True(Attribute(pool, ReservedHigh) >= kept);
    }

    [Fact]
    public void A_created_pool_allocates_holds_data_and_is_destroyed()
    {
        Assert.Equal(CudaStatus.Success, Client.CreateMemoryPool(0, 0, out var pool));
        Assert.Equal(CudaStatus.Success, Client.SetMemoryPoolAttribute(pool, ReleaseThreshold, 0));
        using var stream = Gpu.CreateStream();
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(CudaStatus.Success, Client.AllocateFromPoolAsync(4096, pool, stream.Handle, out var address));
            var data = Enumerable.Range(round * 1000, 1024).ToArray();
            unsafe
            {
                fixed (int* source = data)
                {
                    Assert.Equal(CudaStatus.Success, Client.CopyHostToDevice(address, (nint)source, 4096));
                }
                var back = new int[1024];
                fixed (int* destination = back)
                {
                    Assert.Equal(CudaStatus.Success, Client.CopyDeviceToHost((nint)destination, address, 4096));
                }
                Assert.Equal(data, back);
            }
            Assert.Equal(4096UL, Attribute(pool, UsedCurrent));
            Assert.Equal(CudaStatus.Success, Client.FreeAsync(address, stream.Handle));
            stream.Synchronize();
        }
        Assert.Equal(0UL, Attribute(pool, UsedCurrent));
        Assert.Equal(CudaStatus.Success, Client.TrimMemoryPool(pool, 0));
        Assert.Equal(0UL, Attribute(pool, ReservedCurrent));
        Assert.Equal(CudaStatus.Success, Client.DestroyMemoryPool(pool));
        Assert.Equal(CudaStatus.InvalidHandle, Client.GetMemoryPoolAttribute(pool, UsedCurrent, out _));
        Assert.Equal(CudaStatus.InvalidHandle, Client.AllocateFromPoolAsync(64, pool, 0, out _));
    }

    [Fact]
    public void Allocations_of_a_destroyed_pool_stay_valid_until_freed()
    {
        var before = Backend.UsedBytes(0);
        Assert.Equal(CudaStatus.Success, Client.CreateMemoryPool(0, 0, out var pool));
        Assert.Equal(CudaStatus.Success, Client.AllocateFromPoolAsync(4096, pool, 0, out var address));
        Assert.Equal(CudaStatus.Success, Client.DestroyMemoryPool(pool));
        Assert.Equal(CudaStatus.Success, Client.Memset(address, 7, 1, 4096, 0, async: false));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(address, 0));
        Assert.Equal(CudaStatus.Success, Client.Synchronize());
        Assert.Equal(before, Backend.UsedBytes(0));
    }

    [Fact]
    public void The_current_pool_serves_AllocateAsync_and_its_destruction_restores_the_default()
    {
        Assert.Equal(CudaStatus.Success, Client.GetDefaultMemoryPool(out var defaultPool));
        Assert.Equal(CudaStatus.Success, Client.CreateMemoryPool(0, 0, out var pool));
        Assert.Equal(CudaStatus.Success, Client.SetCurrentMemoryPool(pool));
        Assert.Equal(CudaStatus.Success, Client.AllocateAsync(8192, 0, out var fromCurrent));
        Assert.Equal(8192UL, Attribute(pool, UsedCurrent));
        Assert.Equal(0UL, Attribute(defaultPool, UsedCurrent));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(fromCurrent, 0));

        Assert.Equal(CudaStatus.Success, Client.DestroyMemoryPool(pool));
        Assert.Equal(CudaStatus.Success, Client.AllocateAsync(8192, 0, out var fromDefault));
        Assert.Equal(8192UL, Attribute(defaultPool, UsedCurrent));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(fromDefault, 0));

        // Setting the default pool back is allowed; destroying it is not, as with a device's default pool.
        Assert.Equal(CudaStatus.Success, Client.SetCurrentMemoryPool(defaultPool));
        Assert.Equal(CudaStatus.InvalidValue, Client.DestroyMemoryPool(defaultPool));
    }

    [Fact]
    public void Attributes_follow_the_drivers_rules()
    {
        Assert.Equal(CudaStatus.Success, Client.CreateMemoryPool(0, 0, out var pool));
        Assert.Equal(CudaStatus.InvalidValue, Client.SetMemoryPoolAttribute(pool, UsedCurrent, 0));
        Assert.Equal(CudaStatus.InvalidValue, Client.SetMemoryPoolAttribute(pool, ReservedCurrent, 0));
        Assert.Equal(CudaStatus.InvalidValue, Client.SetMemoryPoolAttribute(pool, UsedHigh, 5));
        Assert.Equal(CudaStatus.InvalidValue, Client.SetMemoryPoolAttribute(pool, 99, 0));
        Assert.Equal(CudaStatus.InvalidValue, Client.GetMemoryPoolAttribute(pool, 0, out _));
        Assert.Equal(CudaStatus.Success, Client.SetMemoryPoolAttribute(pool, ReuseAllowOpportunistic, 0));
        Assert.Equal(0UL, Attribute(pool, ReuseAllowOpportunistic));

        Assert.Equal(CudaStatus.Success, Client.AllocateFromPoolAsync(1024, pool, 0, out var address));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(address, 0));
        Assert.Equal(1024UL, Attribute(pool, UsedHigh));
        Assert.Equal(CudaStatus.Success, Client.SetMemoryPoolAttribute(pool, UsedHigh, 0));
        Assert.Equal(0UL, Attribute(pool, UsedHigh));
    }

    [Fact]
    public void What_a_remote_device_cannot_serve_is_refused()
    {
        Assert.Equal(CudaStatus.InvalidValue, Client.CreateMemoryPool(0, 0, out _, allocationType: 0));
        // Export handles (a file descriptor, a fabric handle) would name the server process's memory.
        Assert.Equal(CudaStatus.NotSupported, Client.CreateMemoryPool(0, 0, out _, handleTypes: 1));
        // A pool's maximum size is kept.
        Assert.Equal(CudaStatus.Success, Client.CreateMemoryPool(4096, 0, out var small));
        Assert.Equal(CudaStatus.Success, Client.AllocateFromPoolAsync(4096, small, 0, out var fits));
        Assert.Equal(CudaStatus.OutOfMemory, Client.AllocateFromPoolAsync(512, small, 0, out _));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(fits, 0));
        Assert.Equal(CudaStatus.InvalidHandle, Client.SetCurrentMemoryPool(0xDEAD_BEEF));
        Assert.Equal(CudaStatus.InvalidHandle, Client.TrimMemoryPool(0xDEAD_BEEF, 0));
    }

    [Fact]
    public void A_session_holds_a_bounded_number_of_pools()
    {
        var pools = new List<ulong>();
        CudaStatus status;
        while ((status = Client.CreateMemoryPool(0, 0, out var pool)) == CudaStatus.Success)
        {
            pools.Add(pool);
            Assert.True(pools.Count <= 1024, "pool creation must stop at the session's bound");
        }
        Assert.Equal(CudaStatus.OutOfMemory, status);
        Assert.Equal(256, pools.Count);
        Assert.Equal(CudaStatus.Success, Client.DestroyMemoryPool(pools[0]));
        Assert.Equal(CudaStatus.Success, Client.CreateMemoryPool(0, 0, out _));
    }

    [Fact]
    public async Task Sessions_never_share_pool_state()
    {
        var other = await ConnectAsync(Server);
        Assert.Equal(CudaStatus.Success, Client.GetDefaultMemoryPool(out var mine));
        Assert.Equal(CudaStatus.Success, other.GetDefaultMemoryPool(out var theirs));
        Assert.Equal(CudaStatus.Success, Client.SetMemoryPoolAttribute(mine, ReleaseThreshold, 1UL << 30));
        Assert.Equal(0UL, Attribute(theirs, ReleaseThreshold, other));

        Assert.Equal(CudaStatus.Success, Client.AllocateAsync(1 << 16, 0, out var address));
        Assert.Equal(0UL, Attribute(theirs, UsedCurrent, other));
        Assert.Equal(0UL, Attribute(theirs, ReservedCurrent, other));
        // A handle of one session means nothing in another.
        Assert.Equal(CudaStatus.Success, Client.CreateMemoryPool(0, 0, out var created));
        Assert.Equal(CudaStatus.InvalidHandle, other.GetMemoryPoolAttribute(created, UsedCurrent, out _));
        Assert.Equal(CudaStatus.InvalidHandle, other.DestroyMemoryPool(created));
        Assert.Equal(CudaStatus.Success, Client.FreeAsync(address, 0));
    }

    [Fact]
    public async Task A_sessions_pool_memory_goes_back_when_it_ends()
    {
        var before = Backend.UsedBytes(0);
        var client = await ConnectAsync(Server);
        Assert.Equal(CudaStatus.Success, client.GetDefaultMemoryPool(out var pool));
        Assert.Equal(CudaStatus.Success, client.SetMemoryPoolAttribute(pool, ReleaseThreshold, 1UL << 30));
        Assert.Equal(CudaStatus.Success, client.AllocateAsync(1 << 20, 0, out var kept));
        Assert.Equal(CudaStatus.Success, client.FreeAsync(kept, 0));
        Assert.Equal(CudaStatus.Success, client.CreateMemoryPool(0, 0, out var created));
        Assert.Equal(CudaStatus.Success, client.AllocateFromPoolAsync(1 << 20, created, 0, out _)); // never freed
        Assert.Equal(CudaStatus.Success, client.Synchronize());
        Assert.True(Backend.UsedBytes(0) >= before + (2UL << 20));

        await client.DisposeAsync();
        await WaitUntilAsync(() => Server.Sessions.Count == 1, "the pool session ended");
        Assert.Equal(before, Backend.UsedBytes(0));
    }
}
