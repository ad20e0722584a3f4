using Microsoft.Extensions.Logging;
using Orion.Server.Core.Backend;
using Orion.Transport;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// Runs each worker as an <see cref="OrionWorker"/> inside the supervisor's process, on a shared
/// backend: the redirect flow without separate processes (tests, debugging). It gives no fault
/// isolation; use <see cref="ProcessWorkerLauncher"/> for that.
/// </summary>
public sealed class InProcessWorkerLauncher : IWorkerLauncher
{
    private readonly IGpuBackend _backend;
    private readonly TransportFactory _transports;
    private readonly TransportOptions? _transportOptions;
    private readonly ILoggerFactory? _loggerFactory;

    public InProcessWorkerLauncher(IGpuBackend backend, TransportFactory transports, TransportOptions? transportOptions = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(transports);
        _backend = backend;
        _transports = transports;
        _transportOptions = transportOptions;
        _loggerFactory = loggerFactory;
    }

    /// <summary>How many workers this launcher has started (tests check that a redirect really happened).</summary>
    public int Launched => Volatile.Read(ref _launched);

    private int _launched;

    public async Task<IWorker> LaunchAsync(WorkerLaunchRequest request, CancellationToken cancellationToken)
    {
        var worker = new OrionWorker(_backend, _transports, request, _transportOptions, _loggerFactory);
        try
        {
            await worker.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TransportException)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw new WorkerLaunchException(ex.Message, ex);
        }
        Interlocked.Increment(ref _launched);
        return new InProcessWorker(worker);
    }

    private sealed class InProcessWorker(OrionWorker worker) : IWorker
    {
        public TransportEndpoint Endpoint => worker.Endpoint;

        public int? ProcessId => null;

        public Task<int> Exited => worker.Completion;

        public void Kill() => _ = worker.StopAsync(WorkerExitCodes.Killed);

        public ValueTask DisposeAsync() => worker.DisposeAsync();
    }
}
