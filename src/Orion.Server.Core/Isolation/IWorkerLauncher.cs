namespace Orion.Server.Core.Isolation;

/// <summary>Starts the worker that serves one session in process-isolation mode. The server uses
/// <see cref="ProcessWorkerLauncher"/>; tests substitute <see cref="InProcessWorkerLauncher"/>.</summary>
public interface IWorkerLauncher
{
    /// <summary>Starts a worker and returns once it listens (its endpoint is known).</summary>
    /// <exception cref="WorkerLaunchException">The worker could not be started or did not report its endpoint in time.</exception>
    Task<IWorker> LaunchAsync(WorkerLaunchRequest request, CancellationToken cancellationToken);
}
