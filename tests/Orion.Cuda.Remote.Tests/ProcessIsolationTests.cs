using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Remote.Client;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Transport;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Process isolation's protocol and supervisor logic, with workers run in-process
/// (<see cref="InProcessWorkerLauncher"/>) so that it runs on every transport without spawning
/// processes; <see cref="RealWorkerProcessTests"/> covers the real worker process.
/// </summary>
public abstract class ProcessIsolationTests : RemoteCudaTestBase
{
    private readonly List<IAsyncDisposable> _owned = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    private EmulatedGpuBackend CreateWorkerBackend() => new(new EmulatedDeviceOptions
    {
        MemoryBytes = 64UL * 1024 * 1024,
        Kernels = TestKernels.Create(),
    });

    private async Task<(OrionServer Server, InProcessWorkerLauncher Launcher)> StartIsolatedServerAsync(Action<OrionServerOptions>? configure = null)
    {
        var launcher = new InProcessWorkerLauncher(CreateWorkerBackend(), Transports);
        var (server, _) = await StartServerAsync(options =>
        {
            options.Isolation = SessionIsolation.Process;
            options.WorkerLauncher = launcher;
            configure?.Invoke(options);
        });
        return (server, launcher);
    }

    private async Task<OrionWorker> StartWorkerAsync(string ticket, TimeSpan? connectTimeout = null)
    {
        var request = new WorkerLaunchRequest(42, CreateListenEndpoint(), ticket, [0], ChunkBytes, connectTimeout ?? TimeSpan.FromSeconds(30));
        var worker = new OrionWorker(CreateWorkerBackend(), Transports, request, loggerFactory: NullLoggerFactory.Instance);
        await worker.StartAsync();
        _owned.Add(worker);
        return worker;
    }

    [Fact]
    public async Task Client_is_redirected_to_its_own_worker_which_serves_the_session_and_ends_with_it()
    {
        var (server, launcher) = await StartIsolatedServerAsync();
        var client = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
        var gpu = new RemoteGpu(client);

        Assert.Equal(1, launcher.Launched);
        var worker = Assert.Single(server.Workers);
        Assert.Equal(client.SessionId, worker.SessionId);
        Assert.Empty(server.Sessions); // the supervisor carries no session traffic
        TestKernels.AssertVectorAddWorks(gpu);

        await client.DisposeAsync();
        await WaitUntilAsync(() => server.Workers.Count == 0, "the worker ended with its session");
    }

    [Fact]
    public async Task Each_client_gets_its_own_worker()
    {
        var (server, launcher) = await StartIsolatedServerAsync();
        var first = new RemoteGpu(await ConnectAsync(server));
        var second = new RemoteGpu(await ConnectAsync(server));
        Assert.Equal(2, launcher.Launched);
        Assert.Equal(2, server.Workers.Select(w => w.Endpoint).Distinct().Count());
        TestKernels.AssertVectorAddWorks(first);
        TestKernels.AssertVectorAddWorks(second);
    }

    [Fact]
    public async Task Concurrent_hellos_cannot_start_more_workers_than_the_limit()
    {
        // Every launch waits at a gate, so all hellos arrive while no worker is in the table yet: the limit
        // must count the launches under way, not only the workers already running.
        var gated = new GatedWorkerLauncher(new InProcessWorkerLauncher(CreateWorkerBackend(), Transports));
        var (server, _) = await StartServerAsync(options =>
        {
            options.Isolation = SessionIsolation.Process;
            options.WorkerLauncher = gated;
            options.MaxWorkers = 2;
        });
        var connects = Enumerable.Range(0, 6).Select(_ => RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0])).ToArray();
        await WaitUntilAsync(() => connects.Count(c => c.IsCompleted) >= 4 || gated.Waiting > 2, "the hellos beyond the limit were answered");
        gated.Open();
        var sessions = new List<RemoteCudaClient>();
        var refused = 0;
        foreach (var connect in connects)
        {
            try
            {
                sessions.Add(await connect);
            }
            catch (RemoteSessionRefusedException ex) when (ex.Status == HandshakeStatus.Unavailable)
            {
                refused++;
            }
        }
        Assert.Equal(2, gated.Launched);
        Assert.Equal(2, sessions.Count);
        Assert.Equal(4, refused);
        foreach (var session in sessions)
        {
            Assert.Equal(CudaStatus.Success, session.Synchronize());
            await session.DisposeAsync();
        }
        // The slots come back when the workers end.
        await WaitUntilAsync(() => server.Workers.Count == 0, "the workers ended with their sessions");
        await using var later = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
        Assert.Equal(CudaStatus.Success, later.Synchronize());
    }

    [Fact]
    public async Task Clients_beyond_the_worker_limit_are_refused_as_unavailable()
    {
        var (server, launcher) = await StartIsolatedServerAsync(options => options.MaxWorkers = 1);
        var first = await ConnectAsync(server);
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]));
        Assert.Equal(HandshakeStatus.Unavailable, refused.Status);
        Assert.Contains("maximum of 1", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, launcher.Launched);

        await first.DisposeAsync();
        await WaitUntilAsync(() => server.Workers.Count == 0, "the first worker ended");
        await using var later = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
        Assert.Equal(CudaStatus.Success, later.Synchronize());
    }

    [Fact]
    public async Task Supervisor_checks_the_auth_token_before_starting_a_worker()
    {
        var (server, launcher) = await StartIsolatedServerAsync(options => options.AuthToken = "secret");
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() =>
            RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0], new RemoteCudaClientOptions { AuthToken = "wrong" }));
        Assert.Equal(HandshakeStatus.AuthenticationFailed, refused.Status);
        Assert.Equal(0, launcher.Launched);

        await using var client = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0], new RemoteCudaClientOptions { AuthToken = "secret" });
        Assert.Equal(1, launcher.Launched);
    }

    [Fact]
    public async Task A_worker_refuses_a_wrong_or_missing_ticket_and_still_admits_the_right_one()
    {
        var ticket = WorkerTicket.Create();
        var worker = await StartWorkerAsync(ticket);
        foreach (var presented in new[] { "", WorkerTicket.Create(), ticket.ToUpperInvariant() })
        {
            var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() =>
                RemoteCudaClient.ConnectAsync(Transports, worker.Endpoint, new RemoteCudaClientOptions { AuthToken = presented }));
            Assert.Equal(HandshakeStatus.AuthenticationFailed, refused.Status);
            Assert.Contains("worker ticket", refused.Message, StringComparison.Ordinal);
        }
        await using var client = await RemoteCudaClient.ConnectAsync(Transports, worker.Endpoint, new RemoteCudaClientOptions { AuthToken = ticket });
        Assert.Equal(42UL, client.SessionId);
        Assert.Equal(CudaStatus.Success, client.Synchronize());
    }

    [Fact]
    public async Task A_ticket_admits_one_connection_only()
    {
        var ticket = WorkerTicket.Create();
        var worker = await StartWorkerAsync(ticket);
        await using var client = await RemoteCudaClient.ConnectAsync(Transports, worker.Endpoint, new RemoteCudaClientOptions { AuthToken = ticket });

        // The worker stops listening once its ticket is spent: a second connection is refused by the
        // transport, closed during the handshake (it sat in the accept backlog) or refused by the handshake.
        var reuse = await Record.ExceptionAsync(() =>
            RemoteCudaClient.ConnectAsync(Transports, worker.Endpoint, new RemoteCudaClientOptions { AuthToken = ticket }));
        Assert.True(reuse is ServerUnreachableException or RemoteSessionRefusedException, $"unexpected: {reuse}");
        Assert.Equal(CudaStatus.Success, client.Synchronize()); // the admitted session is unaffected
        Assert.False(worker.Completion.IsCompleted);
    }

    [Fact]
    public async Task Concurrent_connections_with_the_same_ticket_admit_exactly_one()
    {
        var ticket = WorkerTicket.Create();
        var worker = await StartWorkerAsync(ticket);
        var attempts = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            RemoteCudaClient.ConnectAsync(Transports, worker.Endpoint, new RemoteCudaClientOptions { AuthToken = ticket }))).ToArray();
        try
        {
            await Task.WhenAll(attempts);
        }
        catch (Exception ex) when (ex is ServerUnreachableException or RemoteSessionRefusedException)
        {
        }
        var admitted = attempts.Where(a => a.IsCompletedSuccessfully).Select(a => a.Result).ToArray();
        var client = Assert.Single(admitted);
        Assert.Equal(CudaStatus.Success, client.Synchronize());
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_worker_without_a_client_exits_after_its_connect_timeout()
    {
        var worker = await StartWorkerAsync(WorkerTicket.Create(), TimeSpan.FromMilliseconds(200));
        var finished = await Task.WhenAny(worker.Completion, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(worker.Completion, finished);
        Assert.Equal(WorkerExitCodes.NoClient, await worker.Completion);
    }

    [Fact]
    public async Task A_worker_exits_with_session_ended_when_its_client_disconnects()
    {
        var ticket = WorkerTicket.Create();
        // 1 s to connect: a loaded 2-core CI machine once took longer than 300 ms to connect and say hello.
        var worker = await StartWorkerAsync(ticket, TimeSpan.FromSeconds(1));
        var client = await RemoteCudaClient.ConnectAsync(Transports, worker.Endpoint, new RemoteCudaClientOptions { AuthToken = ticket });
        await Task.Delay(1500); // past the connect timeout: an admitted session must not be cut
        Assert.Equal(CudaStatus.Success, client.Synchronize());
        await client.DisposeAsync();
        Assert.Equal(WorkerExitCodes.SessionEnded, await worker.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_unreachable_worker_fails_the_connect_with_a_clear_refusal()
    {
        // An endpoint that was bound a moment ago and is closed now: nothing listens there.
        var gone = await Transports.ListenAsync(CreateListenEndpoint());
        var nowhere = gone.Endpoint;
        await gone.DisposeAsync();
        var (server, _) = await StartServerAsync(options =>
        {
            options.Isolation = SessionIsolation.Process;
            options.WorkerLauncher = new UnreachableWorkerLauncher(nowhere);
        });
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]));
        Assert.Equal(HandshakeStatus.Unavailable, refused.Status);
        Assert.Contains("cannot be reached", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_that_cannot_start_refuses_the_session_as_unavailable()
    {
        var (server, _) = await StartServerAsync(options =>
        {
            options.Isolation = SessionIsolation.Process;
            options.WorkerLauncher = new FailingWorkerLauncher();
        });
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]));
        Assert.Equal(HandshakeStatus.Unavailable, refused.Status);
        Assert.Contains("no worker today", refused.Message, StringComparison.Ordinal);
        Assert.Empty(server.Workers);
    }

    [Fact]
    public async Task A_redirect_over_a_bare_connection_is_reported_not_followed()
    {
        var (server, _) = await StartIsolatedServerAsync();
        var connection = await Transports.ConnectAsync(server.Endpoints[0]);
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteCudaClient.ConnectAsync(connection));
        Assert.Contains("redirects sessions", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_in_a_worker_is_held_to_the_servers_memory_quota()
    {
        var (server, _) = await StartIsolatedServerAsync(options => options.SessionLimits = new SessionLimits { MemoryQuotaBytes = 1UL << 20 });
        var client = await ConnectAsync(server);

        Assert.Equal(1UL << 20, client.Devices[0].TotalMemory);
        Assert.Equal(CudaStatus.Success, client.Allocate(1UL << 20, out _));
        Assert.Equal(CudaStatus.OutOfMemory, client.Allocate(1, out _));
        Assert.Equal(CudaStatus.Success, client.GetMemoryInfo(out var free, out var total));
        Assert.Equal((0UL, 1UL << 20), (free, total));
    }

    [Fact]
    public async Task Shutting_the_supervisor_down_ends_its_workers()
    {
        var (server, _) = await StartIsolatedServerAsync();
        var client = await ConnectAsync(server);
        Assert.Single(server.Workers);
        await server.DisposeAsync();
        Assert.Empty(server.Workers);
        await WaitUntilAsync(() => !client.IsConnected || client.Synchronize() != CudaStatus.Success, "the client saw its session end");
    }

    /// <summary>Reports a worker endpoint that nothing listens on.</summary>
    private sealed class UnreachableWorkerLauncher(TransportEndpoint nowhere) : IWorkerLauncher
    {
        public Task<IWorker> LaunchAsync(WorkerLaunchRequest request, CancellationToken cancellationToken) =>
            Task.FromResult<IWorker>(new GhostWorker(nowhere));

        private sealed class GhostWorker(TransportEndpoint endpoint) : IWorker
        {
            private readonly TaskCompletionSource<int> _exited = new();

            public TransportEndpoint Endpoint => endpoint;

            public int? ProcessId => null;

            public Task<int> Exited => _exited.Task;

            public void Kill() => _exited.TrySetResult(WorkerExitCodes.Killed);

            public ValueTask DisposeAsync()
            {
                Kill();
                return ValueTask.CompletedTask;
            }
        }
    }

    /// <summary>Holds every launch until <see cref="Open"/>, then starts it with the inner launcher.</summary>
    private sealed class GatedWorkerLauncher(IWorkerLauncher inner) : IWorkerLauncher
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;
        private int _launched;

        public int Waiting => Volatile.Read(ref _waiting);

        public int Launched => Volatile.Read(ref _launched);

        public void Open() => _gate.TrySetResult();

        public async Task<IWorker> LaunchAsync(WorkerLaunchRequest request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _waiting);
            await _gate.Task.WaitAsync(cancellationToken);
            Interlocked.Increment(ref _launched);
            return await inner.LaunchAsync(request, cancellationToken);
        }
    }

    private sealed class FailingWorkerLauncher : IWorkerLauncher
    {
        public Task<IWorker> LaunchAsync(WorkerLaunchRequest request, CancellationToken cancellationToken) =>
            throw new WorkerLaunchException("no worker today");
    }
}

public sealed class InMemoryProcessIsolationTests : ProcessIsolationTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new Orion.Transport.InMemory.InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(Orion.Transport.InMemory.InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);
}

public sealed class TcpProcessIsolationTests : ProcessIsolationTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new Orion.Transport.Tcp.TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(Orion.Transport.Tcp.TcpTransport.Scheme, "127.0.0.1", 0);
}
