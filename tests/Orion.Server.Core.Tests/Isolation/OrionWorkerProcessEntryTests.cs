using Orion.Server.Core.Backend;
using Orion.Server.Core.Isolation;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Server.Core.Tests.Isolation;

/// <summary>
/// The public entry a host calls first thing in Main, as a platform builder uses it: it leaves every other
/// command line alone, and refuses a malformed worker command line with
/// <see cref="WorkerExitCodes.BadArguments"/> before it reads stdin or makes a backend. Serving sessions
/// through it is covered in Orion.Cuda.Remote.Tests (OrionWorkerProcessTests, RealWorkerProcessTests).
/// </summary>
public sealed class OrionWorkerProcessEntryTests
{
    private readonly TransportFactory _transports = new TransportFactory().Add(new InMemoryTransport());
    private int _backendsRequested;

    private IGpuBackend? CreateBackend(WorkerBackendRequest request)
    {
        _backendsRequested++;
        return null;
    }

    [Theory]
    [InlineData("")]
    [InlineData("--listen tcp://0.0.0.0:7000 --emulated")]
    [InlineData("Worker --listen-host 127.0.0.1")]
    [InlineData("-- worker")]
    [InlineData("serve worker")]
    public async Task A_host_command_line_is_left_to_the_host(string commandLine)
    {
        var args = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Null(await OrionWorkerProcess.TryRunAsync(args, _transports, CreateBackend));
        Assert.False(WorkerCommandLine.IsWorkerCommandLine(args));
        Assert.Equal(0, _backendsRequested);
    }

    [Fact]
    public async Task A_malformed_worker_command_line_gives_bad_arguments_without_reading_stdin_or_making_a_backend()
    {
        string[] args = [WorkerCommandLine.Command, "--listen-scheme", InMemoryTransport.Scheme, "--listen-host", "w", "--session-id", "1", "--emulated"];
        Assert.Equal(WorkerExitCodes.BadArguments, await OrionWorkerProcess.TryRunAsync(args, _transports, CreateBackend));
        Assert.Equal(0, _backendsRequested);
    }

    [Fact]
    public void The_launcher_command_line_is_a_worker_command_line_with_the_backend_arguments_last_and_no_ticket()
    {
        var request = new WorkerLaunchRequest(9, new TransportEndpoint(InMemoryTransport.Scheme, "w", 0), WorkerTicket.Create(), [0, 2], 1 << 20, TimeSpan.FromSeconds(5));
        string[] backendArguments = ["--emulated", "--device", "1"];
        var args = WorkerCommandLine.Arguments(request, backendArguments);

        Assert.True(WorkerCommandLine.IsWorkerCommandLine(args));
        Assert.Equal(WorkerCommandLine.Command, args[0]);
        Assert.Equal([WorkerCommandLine.BackendArgumentsSeparator, .. backendArguments], args.Skip(args.Count - backendArguments.Length - 1));
        Assert.DoesNotContain(request.Ticket, args);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Whether_the_server_allows_compressed_chunks_reaches_the_worker(bool allow)
    {
        var request = new WorkerLaunchRequest(9, new TransportEndpoint(InMemoryTransport.Scheme, "w", 0), WorkerTicket.Create(), [0], 1 << 20, TimeSpan.FromSeconds(5),
            AllowCompression: allow);
        Assert.True(WorkerCommandLine.TryParse(WorkerCommandLine.Arguments(request, []), out var parsed, out var error), error);
        Assert.Equal(allow, parsed!.AllowCompression);
    }

    [Fact]
    public async Task The_entry_checks_its_arguments()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => OrionWorkerProcess.TryRunAsync(null!, _transports, CreateBackend));
        await Assert.ThrowsAsync<ArgumentNullException>(() => OrionWorkerProcess.TryRunAsync([], null!, CreateBackend));
        await Assert.ThrowsAsync<ArgumentNullException>(() => OrionWorkerProcess.TryRunAsync([], _transports, null!));
    }
}
