using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Server.Core.VGpus;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Compute shares across real worker processes (samples/orion-server, emulated device): each session's worker takes its
/// turns on the GPU from the supervisor's scheduler over its socket, so two busy tenants of 70% and 30% get GPU time in
/// that proportion, and a killed worker gives its turn up.
/// </summary>
public sealed class ComputeShareProcessTests : IAsyncLifetime
{
    private const ulong MiB = 1UL << 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TransportFactory _transports = new TransportFactory().Add(new TcpTransport());
    private readonly EmulatedGpuBackend _supervisorBackend = new(new EmulatedDeviceOptions { MemoryBytes = 256 * MiB });
    private OrionServer _server = null!;

    public async Task InitializeAsync()
    {
        var options = new OrionServerOptions
        {
            Isolation = SessionIsolation.Process,
            WorkerLauncher = new ProcessWorkerLauncher(OrionServerProgram.DotnetHost(), [OrionServerProgram.ServerDll()], ["--emulated"])
            {
                StartTimeout = Patience,
                WorkerLogLevel = LogLevel.Warning,
            },
            WorkerConnectTimeout = TimeSpan.FromSeconds(30),
            ComputeQuantum = TimeSpan.FromMilliseconds(20),
        };
        options.VGpus.Devices[0] = DeviceVGpuOptions.Explicit(new VGpuSliceOptions(64 * MiB, 70), new VGpuSliceOptions(64 * MiB, 30));
        options.Endpoints.Add(new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0));
        _server = new OrionServer(_supervisorBackend, _transports, options, NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _supervisorBackend.Dispose();
    }

    private async Task<RemoteCudaClient> ConnectAsync(int share)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await RemoteCudaClient.ConnectAsync(_transports, _server.Endpoints[0],
            new RemoteCudaClientOptions { ClientName = $"tenant-{share}", VGpu = new VGpuRequest(SharePercent: share) }, timeout.Token);
    }

    [Fact]
    public async Task Workers_of_two_busy_tenants_get_GPU_time_by_share_and_a_killed_one_gives_its_turn_up()
    {
        var high = await ConnectAsync(70);
        var low = await ConnectAsync(30);
        Assert.Equal(2, _server.Workers.Count);

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        var busyHigh = BusyTenant.OnOwnThread(() => BusyTenant.KeepBusy(high, until));
        var busyLow = BusyTenant.OnOwnThread(() => BusyTenant.KeepBusy(low, until));
        var (h, l) = (await busyHigh, await busyLow);
        var share = (double)h / (h + l);
        Assert.True(share is > 0.62 and < 0.78, $"the 70% tenant ran {h} kernels, the 30% one {l}: {share:P1}");

        // The 70% tenant's worker dies while both work: the other is not left waiting for a turn that never comes back.
        var highPid = Assert.Single(_server.Workers, w => w.SessionId == high.SessionId).ProcessId!.Value;
        until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        var survivor = BusyTenant.OnOwnThread(() => BusyTenant.KeepBusy(low, until));
        var doomed = BusyTenant.OnOwnThread(() => BusyTenant.KeepBusy(high, until));
        await Task.Delay(500);
        using (var process = System.Diagnostics.Process.GetProcessById(highPid))
        {
            process.Kill();
        }
        await Assert.ThrowsAnyAsync<Exception>(() => doomed);
        var before = await survivor;
        Assert.True(before > 0);
        Assert.Equal(CudaStatus.Success, low.Synchronize());
        await high.DisposeAsync();
        await low.DisposeAsync();
    }
}
