namespace Orion.Transport;

/// <summary>A transport: the listener and connector for the endpoints of its scheme(s).</summary>
public interface ITransport
{
    /// <summary>The URI schemes this transport serves, lower-case (e.g. <c>tcp</c>).</summary>
    IReadOnlyList<string> Schemes { get; }

    /// <summary>Whether the transport can run on this host now (RDMA needs a device), and if not, why.</summary>
    bool IsAvailable(out string reason);

    ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default);

    ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default);
}
