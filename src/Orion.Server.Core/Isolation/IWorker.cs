using Orion.Transport;

namespace Orion.Server.Core.Isolation;

/// <summary>A started worker, as its supervisor sees it.</summary>
public interface IWorker : IAsyncDisposable
{
    /// <summary>Where the worker listens for its one client.</summary>
    TransportEndpoint Endpoint { get; }

    /// <summary>The operating-system process id, or null for an in-process worker.</summary>
    int? ProcessId { get; }

    /// <summary>Completes with the worker's exit code once it has ended.</summary>
    Task<int> Exited { get; }

    /// <summary>Ends the worker at once (its session, if any, ends with it).</summary>
    void Kill();
}
