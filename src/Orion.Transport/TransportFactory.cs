namespace Orion.Transport;

/// <summary>
/// Picks the transport for an endpoint by its URI scheme. Transports register themselves; the
/// factory knows none of them, so Orion.Transport depends on no implementation.
/// </summary>
public sealed class TransportFactory
{
    private readonly Dictionary<string, ITransport> _byScheme = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Func<TransportEndpoint, ITransport?>> _resolvers = [];

    public TransportFactory Add(ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(transport);
        foreach (var scheme in transport.Schemes)
        {
            _byScheme[scheme] = transport;
        }
        return this;
    }

    /// <summary>Adds a rule for schemes that choose among transports at run time (e.g. <c>auto</c>).</summary>
    public TransportFactory AddResolver(Func<TransportEndpoint, ITransport?> resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        _resolvers.Add(resolver);
        return this;
    }

    public IReadOnlyCollection<string> Schemes => _byScheme.Keys;

    public ITransport Resolve(TransportEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        foreach (var resolver in _resolvers)
        {
            if (resolver(endpoint) is { } chosen)
            {
                return chosen;
            }
        }
        if (_byScheme.TryGetValue(endpoint.Scheme, out var transport))
        {
            return transport;
        }
        throw new TransportException(TransportError.Unavailable,
            $"No transport for scheme '{endpoint.Scheme}' (known: {string.Join(", ", _byScheme.Keys)}).");
    }

    public ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions? options = null, CancellationToken cancellationToken = default)
        => Resolve(endpoint).ListenAsync(endpoint, options ?? TransportOptions.Default, cancellationToken);

    public ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions? options = null, CancellationToken cancellationToken = default)
        => Resolve(endpoint).ConnectAsync(endpoint, options ?? TransportOptions.Default, cancellationToken);
}
