namespace Orion.Transport.Rdma;

/// <summary>Hands an <c>auto://</c> endpoint to the chosen transport under that transport's own scheme.</summary>
internal sealed class SchemeRewritingTransport(ITransport inner, string scheme) : ITransport
{
    public ITransport Inner => inner;

    public IReadOnlyList<string> Schemes => inner.Schemes;

    public bool IsAvailable(out string reason) => inner.IsAvailable(out reason);

    public ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
        => inner.ListenAsync(endpoint with { Scheme = scheme }, options, cancellationToken);

    public ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
        => inner.ConnectAsync(endpoint with { Scheme = scheme }, options, cancellationToken);
}
