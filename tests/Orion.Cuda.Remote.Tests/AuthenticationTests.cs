using System.Collections.Concurrent;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Authentication;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Transport;
using Orion.Transport.InMemory;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Authentication end to end, the same in both isolation modes (a session checks the hello in context isolation, the
/// supervisor before it starts a worker in process isolation): a wrong token is refused and the right one works,
/// repeated failures lock the address out with the answer a wrong token gets, and no log line holds a token.
/// </summary>
public abstract class AuthenticationTests : RemoteCudaTestBase
{
    private const string Token = "tok-5b1d0c7e9a-e2e-secret";
    private static readonly TimeSpan Lockout = TimeSpan.FromMinutes(5);
    private readonly CapturingLoggerFactory _logs = new();
    private readonly ManualClock _clock = new();
    private readonly List<IAsyncDisposable> _owned = [];

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }
    }

    /// <summary>A server requiring <see cref="Token"/>, in context or process isolation (in-process workers, whose
    /// tickets the returned launcher records), whose failure limit runs on the test's clock.</summary>
    private async Task<(OrionServer Server, RecordingLauncher? Launcher)> StartAsync(bool process, int maxFailures = 5)
    {
        RecordingLauncher? launcher = null;
        if (process)
        {
            var workerBackend = new EmulatedGpuBackend(new EmulatedDeviceOptions { MemoryBytes = 64UL * 1024 * 1024, Kernels = TestKernels.Create() });
            launcher = new RecordingLauncher(new InProcessWorkerLauncher(workerBackend, Transports, loggerFactory: _logs));
        }
        var (server, _) = await StartServerAsync(options =>
        {
            options.AuthToken = Token;
            options.AuthFailureLimits = new AuthFailureLimits { MaxFailures = maxFailures, Window = TimeSpan.FromMinutes(1), Lockout = Lockout };
            options.TimeProvider = _clock;
            if (launcher is not null)
            {
                options.Isolation = SessionIsolation.Process;
                options.WorkerLauncher = launcher;
            }
        }, loggerFactory: _logs);
        return (server, launcher);
    }

    private async Task<RemoteCudaClient> ConnectOwnedAsync(OrionServer server, string token)
    {
        var client = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0], new RemoteCudaClientOptions { AuthToken = token, ClientName = "auth-test" });
        _owned.Add(client);
        return client;
    }

    private async Task<RemoteSessionRefusedException> RefusedAsync(OrionServer server, string token)
    {
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => ConnectOwnedAsync(server, token));
        Assert.Equal(HandshakeStatus.AuthenticationFailed, refused.Status);
        return refused;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_wrong_or_missing_token_is_refused_and_the_right_one_works(bool process)
    {
        var (server, launcher) = await StartAsync(process);
        var wrong = await RefusedAsync(server, "guess");
        var missing = await RefusedAsync(server, "");
        Assert.Contains(ClientAuthenticator.FailureReason, wrong.Message, StringComparison.Ordinal);
        Assert.Equal(wrong.Message, missing.Message);
        Assert.Equal(0, launcher?.Launched ?? 0); // the supervisor refuses before it starts a worker

        var client = await ConnectOwnedAsync(server, Token);
        TestKernels.AssertVectorAddWorks(new RemoteGpu(client));
        Assert.Equal(process ? 1 : 0, launcher?.Launched ?? 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Repeated_failures_lock_the_address_out_with_the_answer_a_wrong_token_gets_until_the_lockout_ends(bool process)
    {
        var (server, launcher) = await StartAsync(process, maxFailures: 3);
        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add((await RefusedAsync(server, $"guess-{i}")).Message);
        }
        // Locked out: even the right token is refused, and the answer is the same as for a wrong one (no oracle).
        answers.Add((await RefusedAsync(server, Token)).Message);
        answers.Add((await RefusedAsync(server, "guess-after")).Message);
        Assert.Single(answers.Distinct());
        Assert.Equal(0, launcher?.Launched ?? 0);
        await WaitUntilAsync(() => server.Sessions.Count == 0, "the refused connections ended");
        Assert.Contains(_logs.Lines, line => line.Contains("locked out", StringComparison.Ordinal));

        _clock.Advance(Lockout - TimeSpan.FromSeconds(1));
        await RefusedAsync(server, Token);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var client = await ConnectOwnedAsync(server, Token);
        Assert.Equal(CudaStatus.Success, client.Synchronize());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task No_log_line_holds_the_token_a_presented_token_or_a_worker_ticket(bool process)
    {
        var (server, launcher) = await StartAsync(process, maxFailures: 2);
        var presented = new[] { "wrong-7c2e41-presented", Token + "-extended" };
        foreach (var guess in presented)
        {
            await RefusedAsync(server, guess);
        }
        await RefusedAsync(server, Token); // locked out
        _clock.Advance(Lockout);
        var client = await ConnectOwnedAsync(server, Token);
        Assert.Equal(CudaStatus.Success, client.Synchronize());
        await client.DisposeAsync();
        await WaitUntilAsync(() => server.Sessions.Count == 0 && server.Workers.Count == 0, "the session ended");

        var lines = _logs.Lines.ToArray();
        Assert.NotEmpty(lines);
        var secrets = presented.Append(Token).Concat(launcher?.Tickets ?? []).ToArray();
        Assert.Equal(process ? 1 : 0, launcher?.Tickets.Count ?? 0);
        foreach (var line in lines)
        {
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Starts in-process workers and keeps each one's ticket, to look for it in the logs.</summary>
    private sealed class RecordingLauncher(InProcessWorkerLauncher inner) : IWorkerLauncher
    {
        public ConcurrentBag<string> Tickets { get; } = [];

        public int Launched => inner.Launched;

        public Task<IWorker> LaunchAsync(WorkerLaunchRequest request, CancellationToken cancellationToken)
        {
            Tickets.Add(request.Ticket);
            return inner.LaunchAsync(request, cancellationToken);
        }
    }
}

public sealed class InMemoryAuthenticationTests : AuthenticationTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);
}

public sealed class TcpAuthenticationTests : AuthenticationTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);
}

/// <summary>A clock that moves only when a test says so.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
