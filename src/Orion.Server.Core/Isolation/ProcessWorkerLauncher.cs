using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Server.Core.Sessions;
using Orion.Transport;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// Starts each worker as its own process (<c>&lt;program&gt; worker ...</c>, see <see cref="WorkerCommandLine"/>),
/// so that a device fault, crash or kill of one session's worker cannot touch another session. The program
/// is usually the host itself, which serves the worker side by calling <see cref="OrionWorkerProcess.TryRunAsync"/>
/// first thing in <c>Main</c> (<see cref="ForThisProgram"/>).
/// </summary>
public sealed class ProcessWorkerLauncher : IWorkerLauncher
{
    private readonly string _fileName;
    private readonly string[] _leadingArguments;
    private readonly string[] _backendArguments;
    private readonly ILogger _logger;

    /// <param name="fileName">The executable: the host's apphost or native executable, or <c>dotnet</c> with the dll as a leading argument.</param>
    /// <param name="leadingArguments">Arguments before the <c>worker</c> subcommand (e.g. the path of the host's dll).</param>
    /// <param name="backendArguments">Arguments for the host's backend factory in the worker (e.g. <c>--emulated</c>), handed
    /// back to it unchanged as <see cref="WorkerBackendRequest.BackendArguments"/>.</param>
    /// <param name="loggerFactory">Receives the workers' output lines.</param>
    public ProcessWorkerLauncher(string fileName, IEnumerable<string> leadingArguments, IEnumerable<string> backendArguments, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(leadingArguments);
        ArgumentNullException.ThrowIfNull(backendArguments);
        _fileName = fileName;
        _leadingArguments = leadingArguments.ToArray();
        _backendArguments = backendArguments.ToArray();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ProcessWorkerLauncher>();
    }

    /// <summary>Starts workers as the running program itself: its apphost or native executable, or, when it runs
    /// as <c>dotnet host.dll</c>, <c>dotnet</c> with that dll.</summary>
    /// <param name="backendArguments">Arguments for the program's backend factory in the worker, handed back unchanged.</param>
    /// <param name="loggerFactory">Receives the workers' output lines.</param>
    /// <exception cref="InvalidOperationException">The running program's executable cannot be told.</exception>
    public static ProcessWorkerLauncher ForThisProgram(IEnumerable<string> backendArguments, ILoggerFactory? loggerFactory = null)
    {
        var (fileName, leadingArguments) = ThisProgram(Environment.ProcessPath, Environment.GetCommandLineArgs().FirstOrDefault());
        return new ProcessWorkerLauncher(fileName, leadingArguments, backendArguments, loggerFactory);
    }

    /// <summary>How to start the running program again, from its process path and its first command-line argument
    /// (under <c>dotnet</c>, the path of the entry dll).</summary>
    internal static (string FileName, string[] LeadingArguments) ThisProgram(string? processPath, string? entryArgument)
    {
        if (string.IsNullOrEmpty(processPath))
        {
            throw new InvalidOperationException("The running program's executable is unknown; construct the ProcessWorkerLauncher with its path.");
        }
        if (!string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return (processPath, []);
        }
        if (string.IsNullOrEmpty(entryArgument) || !entryArgument.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"The program runs under dotnet but its entry dll is unknown ('{entryArgument}'); construct the ProcessWorkerLauncher with it.");
        }
        return (processPath, [Path.GetFullPath(entryArgument)]);
    }

    /// <summary>How long a worker may take to report its endpoint (process start, runtime and driver init).</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The least severe level workers log (to their stderr, forwarded into this launcher's log as
    /// <c>Worker &lt;pid&gt;: ...</c> lines).</summary>
    public LogLevel WorkerLogLevel { get; set; } = LogLevel.Information;

    public async Task<IWorker> LaunchAsync(WorkerLaunchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var start = new ProcessStartInfo(_fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _leadingArguments.Concat(WorkerCommandLine.Arguments(request, _backendArguments, WorkerLogLevel)))
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new WorkerLaunchException($"{_fileName} did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new WorkerLaunchException($"cannot start {_fileName}: {ex.Message}", ex);
        }
        var pid = process.Id;
        var worker = new ProcessWorker(process, _logger);
        try
        {
            await process.StandardInput.WriteLineAsync(request.Ticket.AsMemory(), cancellationToken).ConfigureAwait(false);
            await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StartTimeout);
            worker.Endpoint = await ReadEndpointAsync(process, timeout.Token).ConfigureAwait(false);
            worker.StartForwarding();
            return worker;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or WorkerLaunchException)
        {
            worker.Kill();
            var errors = await worker.DrainErrorsAsync().ConfigureAwait(false);
            await worker.DisposeAsync().ConfigureAwait(false);
            var why = ex is OperationCanceledException ? $"no endpoint reported within {StartTimeout.TotalSeconds} s" : ex.Message;
            throw new WorkerLaunchException($"worker {pid}: {why}{(errors.Length > 0 ? "; its stderr: " + errors : "")}", ex);
        }
    }

    private static async Task<TransportEndpoint> ReadEndpointAsync(Process process, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new WorkerLaunchException("the worker exited before reporting its endpoint");
            if (!line.StartsWith(WorkerCommandLine.ListeningPrefix, StringComparison.Ordinal))
            {
                continue; // anything else on stdout is not part of the contract
            }
            var text = line[WorkerCommandLine.ListeningPrefix.Length..].Trim();
            if (!TransportEndpoint.TryParse(text, out var endpoint, out var error))
            {
                throw new WorkerLaunchException($"the worker reported an invalid endpoint '{text}': {error}");
            }
            return endpoint;
        }
    }

    private sealed class ProcessWorker(Process process, ILogger logger) : IWorker
    {
        private Task _forwarding = Task.CompletedTask;
        private int _disposed;

        public TransportEndpoint Endpoint { get; set; } = null!;

        public int? ProcessId { get; } = process.Id;

        public Task<int> Exited { get; } = WaitForExitAsync(process);

        private static async Task<int> WaitForExitAsync(Process process)
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
            return process.ExitCode;
        }

        /// <summary>Forwards the worker's stdout and stderr to the supervisor's log (and keeps the pipes from filling up).</summary>
        public void StartForwarding() =>
            _forwarding = Task.WhenAll(ForwardAsync(process.StandardOutput), ForwardAsync(process.StandardError));

        private async Task ForwardAsync(StreamReader reader)
        {
            try
            {
                while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    Log.WorkerOutput(logger, process.Id, line);
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The worker is gone.
            }
        }

        /// <summary>What the worker wrote to stderr before it failed to start (at most 2000 characters).</summary>
        public async Task<string> DrainErrorsAsync()
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                var text = await process.StandardError.ReadToEndAsync(timeout.Token).ConfigureAwait(false);
                text = text.Trim();
                return text.Length > 2000 ? text[^2000..] : text;
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                return "";
            }
        }

        public void Kill()
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }

        /// <summary>Closes the worker's stdin (it exits on end of file), waits briefly, then kills it.</summary>
        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            try
            {
                process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
            if (await Task.WhenAny(Exited, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false) != Exited)
            {
                Kill();
            }
            await Exited.ConfigureAwait(false);
            await _forwarding.ConfigureAwait(false);
            process.Dispose();
        }
    }
}
