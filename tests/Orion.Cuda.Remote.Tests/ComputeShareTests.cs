using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.VGpus;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Compute shares enforced end to end against the emulated device, whose kernels run on the session's executor: two
/// sessions on vGPUs of 70% and 30% that both keep their GPU busy get GPU time in that proportion; alone, a session
/// gets all of it; with enforcement off, they share alike.
/// </summary>
public sealed class ComputeShareTests : RemoteCudaTestBase
{
    private const ulong MiB = 1UL << 20;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private Task<(OrionServer Server, Orion.Server.Core.Backend.Emulated.EmulatedGpuBackend Backend)> StartSharedServerAsync(TimeSpan quantum) =>
        StartServerAsync(options =>
        {
            options.VGpus.Devices[0] = DeviceVGpuOptions.Explicit(new VGpuSliceOptions(64 * MiB, 70), new VGpuSliceOptions(64 * MiB, 30));
            options.ComputeQuantum = quantum;
        });

    private Task<RemoteCudaClient> ConnectAsync(OrionServer server, int share) =>
        ConnectAsync(server, new RemoteCudaClientOptions { ClientName = $"tenant-{share}", VGpu = new VGpuRequest(SharePercent: share) });

    private static async Task<(int High, int Low)> RunTogetherAsync(RemoteCudaClient high, RemoteCudaClient low, TimeSpan duration)
    {
        var until = DateTime.UtcNow + duration;
        var first = BusyTenant.OnOwnThread(() => BusyTenant.KeepBusy(high, until));
        var second = BusyTenant.OnOwnThread(() => BusyTenant.KeepBusy(low, until));
        return (await first, await second);
    }

    [Fact]
    public async Task Two_busy_tenants_get_GPU_time_in_proportion_to_their_shares()
    {
        var (server, _) = await StartSharedServerAsync(TimeSpan.FromMilliseconds(20));
        var high = await ConnectAsync(server, 70);
        var low = await ConnectAsync(server, 30);
        Assert.Equal(70, high.VGpu!.SharePercent);
        Assert.Equal(30, low.VGpu!.SharePercent);

        var (h, l) = await RunTogetherAsync(high, low, TimeSpan.FromSeconds(4));

        var share = (double)h / (h + l);
        Assert.True(share is > 0.62 and < 0.78, $"the 70% tenant ran {h} kernels, the 30% one {l}: {share:P1}");
    }

    [Fact]
    public async Task Without_enforcement_busy_tenants_share_alike()
    {
        var (server, _) = await StartSharedServerAsync(TimeSpan.Zero);
        var high = await ConnectAsync(server, 70);
        var low = await ConnectAsync(server, 30);

        var (h, l) = await RunTogetherAsync(high, low, TimeSpan.FromSeconds(3));

        // Each session's executor is its own emulated GPU: nothing holds either back.
        var share = (double)h / (h + l);
        Assert.True(share is > 0.35 and < 0.65, $"the 70% tenant ran {h} kernels, the 30% one {l}: {share:P1}");
    }

    [Fact]
    public async Task The_turn_passes_on_when_a_tenant_leaves()
    {
        var (server, _) = await StartSharedServerAsync(TimeSpan.FromMilliseconds(20));
        var low = await ConnectAsync(server, 30);
        var high = await ConnectAsync(server, 70);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        var busyLow = BusyTenant.OnOwnThread(() => BusyTenant.KeepBusy(low, until));
        var busyHigh = BusyTenant.OnOwnThread(() => BusyTenant.KeepBusy(high, until));
        await Task.Delay(300);
        // The 30% tenant goes away mid-work (its turn or its wait with it): the survivor is never stuck waiting for a turn.
        await low.DisposeAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => busyLow);
        var kernels = await busyHigh;
        Assert.True(kernels > 0);
        Assert.Equal(CudaStatus.Success, high.Synchronize());
        Assert.Equal(70, Assert.Single(server.Sessions).VGpu!.SharePercent);
    }
}
