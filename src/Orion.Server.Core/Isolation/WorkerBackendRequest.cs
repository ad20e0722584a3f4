using Microsoft.Extensions.Logging;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// What a host's backend factory gets in a worker process (<see cref="OrionWorkerProcess.TryRunAsync"/>):
/// the backend arguments the host gave <see cref="ProcessWorkerLauncher"/> in its supervisor, unchanged,
/// and the worker's log.
/// </summary>
public sealed class WorkerBackendRequest
{
    internal WorkerBackendRequest(IReadOnlyList<string> backendArguments, IReadOnlyList<int> devices, ILoggerFactory loggerFactory)
    {
        BackendArguments = backendArguments;
        Devices = devices;
        LoggerFactory = loggerFactory;
    }

    /// <summary>The supervisor's <c>backendArguments</c> of <see cref="ProcessWorkerLauncher"/>, verbatim and in order
    /// (e.g. the host's <c>--emulated</c>): the host parses them with its own command-line parser.</summary>
    public IReadOnlyList<string> BackendArguments { get; }

    /// <summary>The backend ordinals the session may use (empty: all); the worker checks that they exist.</summary>
    public IReadOnlyList<int> Devices { get; }

    /// <summary>The worker's log: it goes to stderr, which the supervisor forwards into its own log. Log why
    /// no backend is available here before returning null.</summary>
    public ILoggerFactory LoggerFactory { get; }
}
