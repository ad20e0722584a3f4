using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orion.Server.Core.Backend;
using Orion.Transport;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// The worker side of process isolation, for any host program: call <see cref="TryRunAsync"/> first thing
/// in <c>Main</c>. When <see cref="ProcessWorkerLauncher"/> started the program as a session's worker, it
/// serves that one session and returns the process exit code; otherwise it returns null at once and the
/// program goes on as the server (or whatever else it is).
/// </summary>
/// <example>
/// <code>
/// if (await OrionWorkerProcess.TryRunAsync(args, new TransportFactory().Add(new TcpTransport()),
///         request => CreateBackend(request.BackendArguments, request.LoggerFactory)) is { } exitCode)
/// {
///     return exitCode;
/// }
/// </code>
/// </example>
public static class OrionWorkerProcess
{
    /// <summary>
    /// Serves one redirected session when <paramref name="args"/> is a worker command line (it starts with
    /// <see cref="WorkerCommandLine.Command"/>); returns null, touching nothing, when it is not.
    /// </summary>
    /// <remarks>
    /// As a worker it reads its ticket from the first line of stdin, creates the backend through
    /// <paramref name="createBackend"/>, listens where the command line says, writes
    /// <see cref="WorkerCommandLine.ListeningPrefix"/> and the bound endpoint on stdout and logs to stderr.
    /// It ends when its session ends, when no client presents the ticket in time, when stdin reaches end of
    /// file (the supervisor is gone), on SIGTERM, or when <paramref name="cancellationToken"/> is cancelled.
    /// </remarks>
    /// <param name="args">The program's arguments, as <c>Main</c> received them.</param>
    /// <param name="transports">The transports the worker may listen on; they must include the scheme of every
    /// endpoint the supervisor listens on (the worker listens with the scheme the client used).</param>
    /// <param name="createBackend">Creates the worker's backend from the backend arguments the supervisor gave
    /// <see cref="ProcessWorkerLauncher"/>; returns null (after logging why) when none is available. The worker
    /// disposes it when it ends.</param>
    /// <param name="cancellationToken">Ends the worker as if its supervisor had gone away.</param>
    /// <returns>Null when <paramref name="args"/> is not a worker command line; otherwise the worker's exit code
    /// (<see cref="WorkerExitCodes"/>): <see cref="WorkerExitCodes.BadArguments"/> for a malformed command line
    /// or ticket, <see cref="WorkerExitCodes.CannotStart"/> when there is no backend or the endpoint cannot be
    /// bound, else how the session ended.</returns>
    public static async Task<int?> TryRunAsync(
        IReadOnlyList<string> args,
        TransportFactory transports,
        Func<WorkerBackendRequest, IGpuBackend?> createBackend,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(transports);
        ArgumentNullException.ThrowIfNull(createBackend);
        if (!WorkerCommandLine.IsWorkerCommandLine(args))
        {
            return null;
        }
        var console = new WorkerConsole(Console.In, Console.Out, Console.Error, HandleTermination: true);
        return await RunAsync(args, transports, createBackend, console, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The worker, on any standard streams (tests run it in-process on their own).</summary>
    internal static async Task<int> RunAsync(
        IReadOnlyList<string> args,
        TransportFactory transports,
        Func<WorkerBackendRequest, IGpuBackend?> createBackend,
        WorkerConsole console,
        CancellationToken cancellationToken)
    {
        if (!WorkerCommandLine.TryParse(args, out var parsed, out var error))
        {
            // The command line did not get as far as a log level: report at the default one.
            using var defaultLog = new WorkerLoggerFactory(console.Error, LogLevel.Information);
            WorkerProcessLog.BadArguments(defaultLog.CreateLogger(LogCategory), error);
            return WorkerExitCodes.BadArguments;
        }
        using var loggerFactory = new WorkerLoggerFactory(console.Error, parsed.LogLevel);
        var logger = loggerFactory.CreateLogger(LogCategory);
        var ticket = console.Input.ReadLine();
        if (!WorkerTicket.IsWellFormed(ticket))
        {
            WorkerProcessLog.BadTicket(logger);
            return WorkerExitCodes.BadArguments;
        }
        try
        {
            // A scheme this host cannot serve is a mismatch between the supervisor's endpoints and the
            // worker's transports: say so before a backend (and a GPU context) is created for nothing.
            transports.Resolve(parsed.ListenEndpoint);
        }
        catch (TransportException ex)
        {
            WorkerProcessLog.NoTransport(logger, parsed.ListenEndpoint.Scheme, ex.Message);
            return WorkerExitCodes.BadArguments;
        }
        IGpuBackend? backend;
        try
        {
            backend = createBackend(new WorkerBackendRequest(parsed.BackendArguments, parsed.Devices, loggerFactory));
        }
        catch (Exception ex)
        {
            // The host's factory may throw anything; the supervisor needs an exit code and a log line, not a crash.
            WorkerProcessLog.BackendFactoryFailed(logger, ex);
            return WorkerExitCodes.CannotStart;
        }
        if (backend is null)
        {
            WorkerProcessLog.NoBackend(logger);
            return WorkerExitCodes.CannotStart;
        }
        using (backend)
        {
            var request = new WorkerLaunchRequest(parsed.SessionId, parsed.ListenEndpoint, ticket!, parsed.Devices, parsed.ChunkBytes, parsed.ConnectTimeout,
                parsed.ModuleCache, parsed.SendTimeout, parsed.Limits, parsed.VGpu, parsed.GpuTimeSocket, parsed.AllowCompression) { Tls = parsed.Tls };
            return await ServeAsync(backend, transports, request, loggerFactory, logger, console, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<int> ServeAsync(
        IGpuBackend backend,
        TransportFactory transports,
        WorkerLaunchRequest request,
        ILoggerFactory loggerFactory,
        ILogger logger,
        WorkerConsole console,
        CancellationToken cancellationToken)
    {
        // A real worker process serves one session, so what its kernels print is that session's: its
        // standard streams are taken for device output once the endpoint line is out (tests running the
        // worker in-process keep theirs).
        using var capture = console.HandleTermination ? StandardStreamCapture.ForStandardStreams() : null;
        var worker = new OrionWorker(backend, transports, request, loggerFactory: loggerFactory) { DeviceOutput = capture };
        await using (worker.ConfigureAwait(false))
        {
            try
            {
                await worker.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TransportException or ArgumentException)
            {
                WorkerProcessLog.CannotStart(logger, ex.Message);
                return WorkerExitCodes.CannotStart;
            }
            catch (OperationCanceledException)
            {
                return WorkerExitCodes.SupervisorGone;
            }
            console.Output.WriteLine(WorkerCommandLine.ListeningPrefix + worker.Endpoint);
            console.Output.Flush();
            StartCapture(capture, logger);

            // The supervisor holds our stdin open for as long as it lives: end of file means it is gone. A
            // thread of its own, because the read blocks for the whole session and cannot be cancelled.
            var watchdog = new Thread(() =>
            {
                while (console.Input.ReadLine() is not null)
                {
                }
                _ = worker.StopAsync(WorkerExitCodes.SupervisorGone);
            })
            { IsBackground = true, Name = "orion-worker-supervisor-watch" };
            watchdog.Start();
            using var sigterm = console.HandleTermination
                ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
                {
                    // End the session cleanly (its contexts freed) instead of the runtime's immediate exit.
                    context.Cancel = true;
                    _ = worker.StopAsync(WorkerExitCodes.SupervisorGone);
                })
                : null;
            using var cancellation = cancellationToken.Register(() => _ = worker.StopAsync(WorkerExitCodes.SupervisorGone));
            return await worker.Completion.ConfigureAwait(false);
        }
    }

    /// <summary>Takes the standard streams for device output; without them the session still runs, its device output in the supervisor's log.</summary>
    private static void StartCapture(StandardStreamCapture? capture, ILogger logger)
    {
        try
        {
            capture?.Start();
        }
        catch (IOException ex)
        {
            WorkerProcessLog.DeviceOutputUnavailable(logger, ex.Message);
        }
    }

    private static string LogCategory => typeof(OrionWorkerProcess).FullName!;
}

/// <summary>A worker process's standard streams.</summary>
/// <param name="Input">The ticket on its first line; its end means the supervisor is gone.</param>
/// <param name="Output">The endpoint line, nothing else.</param>
/// <param name="Error">The log.</param>
/// <param name="HandleTermination">Whether SIGTERM ends the worker cleanly (a real process; not in-process tests).</param>
internal sealed record WorkerConsole(TextReader Input, TextWriter Output, TextWriter Error, bool HandleTermination);
