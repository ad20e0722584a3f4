using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The worker side of process isolation as the package offers it to any host
/// (<see cref="OrionWorkerProcess"/>), run in-process on scripted standard streams: it reads the command
/// line <see cref="ProcessWorkerLauncher"/> builds, takes the ticket from stdin, reports its endpoint on
/// stdout, serves the session and exits with the documented code; a malformed command line or ticket gives
/// <see cref="WorkerExitCodes.BadArguments"/> with a log line that names the problem.
/// <see cref="RealWorkerProcessTests"/> runs the same entry in a real process (the sample server).
/// </summary>
public sealed class OrionWorkerProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TransportFactory _transports = new TransportFactory().Add(new TcpTransport());
    private readonly ScriptedInput _stdin = new();
    private readonly RecordingWriter _stdout = new();
    private readonly RecordingWriter _stderr = new();
    private readonly List<WorkerBackendRequest> _backendRequests = [];

    private static readonly Action<ILogger, string, Exception?> LogBackendArguments =
        LoggerMessage.Define<string>(LogLevel.Information, new EventId(0), "backend arguments: {Arguments}");

    public void Dispose() => _stdin.Close(); // releases the worker's supervisor watchdog

    private WorkerConsole Streams => new(_stdin, _stdout, _stderr, HandleTermination: false);

    private static WorkerLaunchRequest Request(string ticket, IReadOnlyList<int>? devices = null, TimeSpan? connectTimeout = null, string scheme = TcpTransport.Scheme) =>
        new(7, new TransportEndpoint(scheme, "127.0.0.1", 0), ticket, devices ?? [0], 64 * 1024, connectTimeout ?? Patience);

    /// <summary>What a host's factory does: reads its own arguments, logs through the worker's log.</summary>
    private EmulatedGpuBackend CreateEmulatedBackend(WorkerBackendRequest request)
    {
        _backendRequests.Add(request);
        LogBackendArguments(request.LoggerFactory.CreateLogger("test-host"), string.Join(" ", request.BackendArguments), null);
        return new EmulatedGpuBackend(new EmulatedDeviceOptions { MemoryBytes = 64UL * 1024 * 1024, Kernels = TestKernels.Create() });
    }

    private Task<int> RunAsync(IReadOnlyList<string> args, Func<WorkerBackendRequest, IGpuBackend?>? createBackend = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => OrionWorkerProcess.RunAsync(args, _transports, createBackend ?? CreateEmulatedBackend, Streams, cancellationToken));

    /// <summary>Waits for the worker's endpoint line on its stdout, as <see cref="ProcessWorkerLauncher"/> does.</summary>
    private async Task<TransportEndpoint> ReportedEndpointAsync(Task<int> worker)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var line = _stdout.Lines.FirstOrDefault(l => l.StartsWith(WorkerCommandLine.ListeningPrefix, StringComparison.Ordinal));
            if (line is not null)
            {
                return TransportEndpoint.Parse(line[WorkerCommandLine.ListeningPrefix.Length..]);
            }
            if (worker.IsCompleted)
            {
                Assert.Fail($"The worker exited with {await worker} before reporting an endpoint; its log: {_stderr.Text}");
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("No endpoint line on the worker's stdout; its log: " + _stderr.Text);
            }
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task The_entry_serves_a_session_from_a_launcher_built_command_line_and_hands_the_backend_arguments_back_unchanged()
    {
        var ticket = WorkerTicket.Create();
        // Backend arguments that look like the worker's own options, a separator and an empty string must all come back verbatim.
        string[] backendArguments = ["--emulated", "--device", "9", "--", "", "--session-id", "1"];
        var args = WorkerCommandLine.Arguments(Request(ticket), backendArguments, LogLevel.Debug);
        _stdin.WriteLine(ticket);

        var worker = RunAsync(args);
        var endpoint = await ReportedEndpointAsync(worker);
        Assert.Equal(TcpTransport.Scheme, endpoint.Scheme);
        Assert.NotEqual(0, endpoint.Port);
        var backendRequest = Assert.Single(_backendRequests);
        Assert.Equal(backendArguments, backendRequest.BackendArguments);
        Assert.Equal([0], backendRequest.Devices);

        var client = await RemoteCudaClient.ConnectAsync(_transports, endpoint, new RemoteCudaClientOptions { AuthToken = ticket });
        Assert.Equal(7UL, client.SessionId);
        TestKernels.AssertVectorAddWorks(new RemoteGpu(client));
        await client.DisposeAsync();

        Assert.Equal(WorkerExitCodes.SessionEnded, await worker.WaitAsync(Patience));
        Assert.Single(_stdout.Lines); // stdout carries the endpoint line only
        // The log (host's lines included) is on stderr, one entry per line, at the level the launcher asked for.
        Assert.Contains(_stderr.Lines, l => l.StartsWith("info: test-host[0] backend arguments: --emulated --device 9", StringComparison.Ordinal));
        Assert.Contains(_stderr.Lines, l => l.StartsWith("info: Orion.Server.Core.Isolation.OrionWorker[20] Worker for session 7 listening on", StringComparison.Ordinal));
        Assert.Contains(_stderr.Lines, l => l.StartsWith("dbug: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_worker_logs_only_from_the_level_the_launcher_asked_for()
    {
        var ticket = WorkerTicket.Create();
        _stdin.WriteLine(ticket);
        var worker = RunAsync(WorkerCommandLine.Arguments(Request(ticket), [], LogLevel.Warning));
        var endpoint = await ReportedEndpointAsync(worker);
        await using (var client = await RemoteCudaClient.ConnectAsync(_transports, endpoint, new RemoteCudaClientOptions { AuthToken = ticket }))
        {
            Assert.Equal(CudaStatus.Success, client.Synchronize());
        }
        Assert.Equal(WorkerExitCodes.SessionEnded, await worker.WaitAsync(Patience));
        Assert.Empty(_stderr.Lines);
    }

    [Fact]
    public async Task The_worker_exits_as_supervisor_gone_when_its_stdin_ends()
    {
        var ticket = WorkerTicket.Create();
        _stdin.WriteLine(ticket);
        var worker = RunAsync(WorkerCommandLine.Arguments(Request(ticket), []));
        await ReportedEndpointAsync(worker);
        _stdin.Close();
        Assert.Equal(WorkerExitCodes.SupervisorGone, await worker.WaitAsync(Patience));
    }

    [Fact]
    public async Task Cancelling_ends_the_worker_as_if_its_supervisor_went_away()
    {
        var ticket = WorkerTicket.Create();
        _stdin.WriteLine(ticket);
        using var cancellation = new CancellationTokenSource();
        var worker = RunAsync(WorkerCommandLine.Arguments(Request(ticket), []), cancellationToken: cancellation.Token);
        var endpoint = await ReportedEndpointAsync(worker);
        var client = await RemoteCudaClient.ConnectAsync(_transports, endpoint, new RemoteCudaClientOptions { AuthToken = ticket });
        await cancellation.CancelAsync();
        Assert.Equal(WorkerExitCodes.SupervisorGone, await worker.WaitAsync(Patience));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_worker_whose_client_never_comes_exits_with_no_client()
    {
        var ticket = WorkerTicket.Create();
        _stdin.WriteLine(ticket);
        var worker = RunAsync(WorkerCommandLine.Arguments(Request(ticket, connectTimeout: TimeSpan.FromMilliseconds(200)), []));
        Assert.Equal(WorkerExitCodes.NoClient, await worker.WaitAsync(Patience));
    }

    public static TheoryData<string[], string> MalformedCommandLines => new()
    {
        { ["worker"], "--listen-scheme, --listen-host and --session-id are required" },
        { ["worker", "--listen-host", "127.0.0.1", "--session-id", "1"], "are required" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "1", "--emulated"], "unknown worker option '--emulated'" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id"], "--session-id needs a value" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "--", "--emulated"], "--session-id needs a value" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "-1"], "invalid --session-id '-1'" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "1", "--listen-port", "70000"], "invalid --listen-port '70000'" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "1", "--chunk-bytes", "100"], "invalid --chunk-bytes '100'" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "1", "--connect-timeout-ms", "soon"], "invalid --connect-timeout-ms 'soon'" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "1", "--log-level", "2"], "invalid --log-level '2'" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "1", "--device", "first"], "invalid --device 'first'" },
        { ["worker", "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "1", "--session-id", "2"], "--session-id is given twice" },
        { ["worker", "--listen-scheme", "", "--listen-host", "127.0.0.1", "--session-id", "1"], "invalid --listen-scheme ''" },
    };

    [Theory]
    [MemberData(nameof(MalformedCommandLines))]
    public async Task A_malformed_command_line_gives_bad_arguments_with_a_log_line_naming_the_problem(string[] args, string problem)
    {
        _stdin.WriteLine(WorkerTicket.Create());
        Assert.Equal(WorkerExitCodes.BadArguments, await RunAsync(args).WaitAsync(Patience));
        var line = Assert.Single(_stderr.Lines);
        Assert.StartsWith("fail: Orion.Server.Core.Isolation.OrionWorkerProcess[40] Worker: bad arguments: ", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
        Assert.Empty(_backendRequests);
        Assert.Empty(_stdout.Lines);
        Assert.Equal(1, _stdin.Unread); // checked before the ticket is read
    }

    public static TheoryData<string?> MalformedTickets => new() { null, "", "not-a-ticket", WorkerTicket.Create().ToUpperInvariant(), WorkerTicket.Create() + "0" };

    [Theory]
    [MemberData(nameof(MalformedTickets))]
    public async Task A_missing_or_malformed_ticket_gives_bad_arguments(string? ticket)
    {
        if (ticket is null)
        {
            _stdin.Close(); // the supervisor went away before writing it
        }
        else
        {
            _stdin.WriteLine(ticket);
        }
        Assert.Equal(WorkerExitCodes.BadArguments, await RunAsync(WorkerCommandLine.Arguments(Request(WorkerTicket.Create()), [])).WaitAsync(Patience));
        Assert.Contains("no valid ticket on the first line of stdin", Assert.Single(_stderr.Lines), StringComparison.Ordinal);
        Assert.Empty(_backendRequests);
    }

    [Fact]
    public async Task A_scheme_the_host_has_no_transport_for_gives_bad_arguments_before_a_backend_is_made()
    {
        var ticket = WorkerTicket.Create();
        _stdin.WriteLine(ticket);
        var exitCode = await RunAsync(WorkerCommandLine.Arguments(Request(ticket, scheme: "rdma"), [])).WaitAsync(Patience);
        Assert.Equal(WorkerExitCodes.BadArguments, exitCode);
        Assert.Contains("no transport for --listen-scheme 'rdma'", Assert.Single(_stderr.Lines), StringComparison.Ordinal);
        Assert.Empty(_backendRequests);
    }

    [Fact]
    public async Task No_backend_from_the_host_gives_cannot_start()
    {
        var ticket = WorkerTicket.Create();
        _stdin.WriteLine(ticket);
        var exitCode = await RunAsync(WorkerCommandLine.Arguments(Request(ticket), []), _ => null).WaitAsync(Patience);
        Assert.Equal(WorkerExitCodes.CannotStart, exitCode);
        Assert.Contains("returned no backend", Assert.Single(_stderr.Lines), StringComparison.Ordinal);
        Assert.Empty(_stdout.Lines);
    }

    [Fact]
    public async Task A_backend_factory_that_throws_gives_cannot_start_with_the_exception_logged()
    {
        var ticket = WorkerTicket.Create();
        _stdin.WriteLine(ticket);
        var exitCode = await RunAsync(WorkerCommandLine.Arguments(Request(ticket), []), _ => throw new InvalidOperationException("driver says no")).WaitAsync(Patience);
        Assert.Equal(WorkerExitCodes.CannotStart, exitCode);
        var line = Assert.Single(_stderr.Lines); // the exception's stack trace stays on the one line
        Assert.Contains("backend factory failed", line, StringComparison.Ordinal);
        Assert.Contains("driver says no", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_the_backend_does_not_have_gives_cannot_start()
    {
        var ticket = WorkerTicket.Create();
        _stdin.WriteLine(ticket);
        var exitCode = await RunAsync(WorkerCommandLine.Arguments(Request(ticket, devices: [5]), [])).WaitAsync(Patience);
        Assert.Equal(WorkerExitCodes.CannotStart, exitCode);
        Assert.Contains(_stderr.Lines, l => l.Contains("Worker cannot start: Device 5 does not exist", StringComparison.Ordinal));
        Assert.Empty(_stdout.Lines);
    }

    [Fact]
    public void The_command_line_reads_back_as_the_launcher_wrote_it()
    {
        var request = new WorkerLaunchRequest(ulong.MaxValue, new TransportEndpoint("tcp", "::1", 0), WorkerTicket.Create(), [3, 1], 256 * 1024, TimeSpan.FromSeconds(42),
            SendTimeout: TimeSpan.FromMilliseconds(1500),
            Limits: new Orion.Server.Core.SessionLimits
            {
                MemoryQuotaBytes = 3UL << 30, MaxStreams = 7, MaxEvents = 9, MaxModules = 11, MaxAllocations = 13,
                MaxModuleImageBytes = 1L << 20, MaxUnauthenticatedMessageBytes = 16 * 1024,
            },
            VGpu: new Orion.Cuda.Protocol.Wire.VGpuAssignment(5, 2, 3UL << 30, 30))
        {
            Tls = new Orion.Server.Core.Tls.TlsCertificateOptions("/etc/orion/server.crt", "/etc/orion/server.key"),
        };
        string[] backendArguments = ["--log-level", "Trace", "--", "worker"];
        var args = WorkerCommandLine.Arguments(request, backendArguments, LogLevel.Error);
        Assert.DoesNotContain(request.Ticket, args); // the ticket goes on stdin only

        Assert.True(WorkerCommandLine.TryParse(args, out var parsed, out var error), error);
        Assert.Equal(request.ListenEndpoint, parsed.ListenEndpoint);
        Assert.Equal(request.SessionId, parsed.SessionId);
        Assert.Equal(request.Devices, parsed.Devices);
        Assert.Equal(request.ChunkBytes, parsed.ChunkBytes);
        Assert.Equal(request.ConnectTimeout, parsed.ConnectTimeout);
        Assert.Equal(request.SendTimeout, parsed.SendTimeout);
        Assert.Equal(request.Limits, parsed.Limits); // a worker's session is held to the supervisor's limits
        Assert.Equal(request.VGpu, parsed.VGpu); // and reports the vGPU the supervisor placed it on
        Assert.Equal(request.Tls, parsed.Tls); // a tls:// worker presents the server's certificate (paths only: files it reads itself)
        Assert.Equal(LogLevel.Error, parsed.LogLevel);
        Assert.Equal(backendArguments, parsed.BackendArguments);
    }

    [Theory]
    [InlineData("device=0,slice=1,memory-bytes=1024")]
    [InlineData("device=0,slice=1,memory-bytes=1024,share=101")]
    [InlineData("device=64,slice=1,memory-bytes=1024,share=10")]
    [InlineData("device=0,slice=1,memory-bytes=1024,share=10,share=10")]
    [InlineData("device=0,slice=1,memory=1024,share=10")]
    public void A_malformed_vGPU_argument_is_refused(string value)
    {
        var args = WorkerCommandLine.Arguments(Request(WorkerTicket.Create()), []).ToList();
        args.InsertRange(1, ["--vgpu", value]);
        Assert.False(WorkerCommandLine.TryParse(args, out _, out var error));
        Assert.Equal($"invalid --vgpu '{value}'", error);
    }

    [Fact]
    public void ForThisProgram_starts_an_apphost_or_native_executable_directly_and_a_dll_through_dotnet()
    {
        var (apphost, noArguments) = ProcessWorkerLauncher.ThisProgram("/opt/orion/orion-server", "/opt/orion/orion-server.dll");
        Assert.Equal("/opt/orion/orion-server", apphost);
        Assert.Empty(noArguments);

        var (dotnet, dll) = ProcessWorkerLauncher.ThisProgram("/usr/share/dotnet/dotnet", "orion-server.dll");
        Assert.Equal("/usr/share/dotnet/dotnet", dotnet);
        Assert.Equal([Path.GetFullPath("orion-server.dll")], dll);

        Assert.Throws<InvalidOperationException>(() => ProcessWorkerLauncher.ThisProgram(null, "orion-server.dll"));
        Assert.Throws<InvalidOperationException>(() => ProcessWorkerLauncher.ThisProgram("/usr/share/dotnet/dotnet", "run"));
    }

    /// <summary>Stdin as the supervisor drives it: lines written to it, held open until closed.</summary>
    private sealed class ScriptedInput : TextReader
    {
        private readonly BlockingCollection<string> _lines = [];

        public int Unread => _lines.Count;

        public void WriteLine(string line) => _lines.Add(line);

        public override void Close() => _lines.CompleteAdding();

        public override string? ReadLine() => _lines.TryTake(out var line, Timeout.Infinite) ? line : null;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _lines.CompleteAdding();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>Records what is written, by line, from any thread.</summary>
    private sealed class RecordingWriter : TextWriter
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _gate = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text.ToString();
                }
            }
        }

        /// <summary>The complete lines so far.</summary>
        public string[] Lines
        {
            get
            {
                var text = Text;
                return text[..(text.LastIndexOf('\n') + 1)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        public override void Write(char value)
        {
            lock (_gate)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                _text.Append(value);
            }
        }
    }
}
