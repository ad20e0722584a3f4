using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// Registers the shared-memory transport with a factory, plus its part of the <c>auto://host:port</c>
/// rule: shared memory when the host is this machine and the server's socket for that port
/// (<c>orion-PORT.sock</c> in the socket directory) is there; otherwise, or when setting it up fails
/// (no memfd, permission denied, a stale socket), whatever the factory's other rules choose (RDMA or
/// TCP). Each choice is logged with its reason.
/// </summary>
public static class SharedMemoryTransportSelection
{
    /// <summary>Set while this rule asks the factory for the fallback, so that it steps aside.</summary>
    [ThreadStatic]
    private static bool t_choosingFallback;

    /// <summary>Adds <paramref name="shm"/> and the rule. Call it before the rules it falls back on
    /// (e.g. <c>AddRdmaWithFallback</c>): a factory asks its rules in the order they were added.</summary>
    public static TransportFactory AddSharedMemoryWhenLocal(this TransportFactory factory, SharedMemoryTransport shm, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(shm);
        var log = logger ?? NullLogger.Instance;
        factory.Add(shm);
        return factory.AddResolver(endpoint =>
            t_choosingFallback || !string.Equals(endpoint.Scheme, "auto", StringComparison.OrdinalIgnoreCase)
                ? null
                : new LocalFirstTransport(shm, () => ResolveFallback(factory, endpoint), log));
    }

    private static ITransport ResolveFallback(TransportFactory factory, TransportEndpoint endpoint)
    {
        t_choosingFallback = true;
        try
        {
            return factory.Resolve(endpoint);
        }
        catch (TransportException) when (factory.Schemes.Contains("tcp"))
        {
            // No other rule for auto:// (no RDMA registered): TCP, under its own scheme.
            return new TcpUnderItsScheme(factory.Resolve(endpoint with { Scheme = "tcp" }));
        }
        finally
        {
            t_choosingFallback = false;
        }
    }

    /// <summary>Why <paramref name="endpoint"/> (<c>auto://host:port</c>) cannot use shared memory, or null when it can try.</summary>
    internal static string? WhyNotLocal(SharedMemoryTransport shm, TransportEndpoint endpoint)
    {
        if (!shm.IsAvailable(out var reason))
        {
            return reason;
        }
        if (!SharedMemoryEndpoints.IsThisHost(endpoint.Host))
        {
            return $"{endpoint.Host} is not this host";
        }
        var path = shm.SocketPath(endpoint);
        return File.Exists(path) ? null : $"no server socket at {path}";
    }

    private sealed class TcpUnderItsScheme(ITransport tcp) : ITransport
    {
        public IReadOnlyList<string> Schemes => tcp.Schemes;

        public bool IsAvailable(out string reason) => tcp.IsAvailable(out reason);

        public ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
            => tcp.ListenAsync(endpoint with { Scheme = "tcp" }, options, cancellationToken);

        public ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
            => tcp.ConnectAsync(endpoint with { Scheme = "tcp" }, options, cancellationToken);
    }

    /// <summary>The transport an <c>auto://</c> endpoint gets: shared memory first where it can work.</summary>
    private sealed class LocalFirstTransport(SharedMemoryTransport shm, Func<ITransport> fallback, ILogger logger) : ITransport
    {
        public IReadOnlyList<string> Schemes => shm.Schemes;

        public bool IsAvailable(out string reason)
        {
            reason = "";
            return true;
        }

        /// <summary>A server listens with the fallback: local clients reach it through a <c>shm://</c> listener of its own.</summary>
        public ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
            => fallback().ListenAsync(endpoint, options, cancellationToken);

        public async ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
        {
            var socket = shm.SocketPath(endpoint);
            var whyNot = WhyNotLocal(shm, endpoint);
            if (whyNot is null)
            {
                try
                {
                    var connection = await shm.ConnectAsync(endpoint with { Scheme = SharedMemoryTransport.Scheme }, options, cancellationToken).ConfigureAwait(false);
                    SharedMemoryLog.ChoseSharedMemory(logger, endpoint, socket);
                    return connection;
                }
                catch (TransportException exception) when (exception.Error is TransportError.ConnectFailed or TransportError.Unavailable)
                {
                    whyNot = "shared-memory setup failed: " + exception.Message;
                }
            }
            var chosen = fallback();
            SharedMemoryLog.FellBack(logger, endpoint, chosen.Schemes[0], whyNot);
            return await chosen.ConnectAsync(endpoint, options, cancellationToken).ConfigureAwait(false);
        }
    }
}
