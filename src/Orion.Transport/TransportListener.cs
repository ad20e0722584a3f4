namespace Orion.Transport;

/// <summary>Accepts connections on one endpoint. A connection that fails never affects the listener.</summary>
public abstract class TransportListener : IAsyncDisposable
{
    /// <summary>The endpoint actually bound (port 0 resolved to the real port).</summary>
    public abstract TransportEndpoint Endpoint { get; }

    /// <summary>Waits for the next connection. Throws <see cref="OperationCanceledException"/> when
    /// cancelled and <see cref="ObjectDisposedException"/> once the listener is stopped.</summary>
    public abstract ValueTask<TransportConnection> AcceptAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops accepting; connections already accepted live on.</summary>
    public abstract ValueTask DisposeAsync();
}
