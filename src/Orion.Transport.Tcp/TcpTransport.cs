using System.Net;
using System.Net.Sockets;

namespace Orion.Transport.Tcp;

/// <summary>
/// The TCP transport, <c>tcp://host:port</c>: the Orion stream framing over a socket, with
/// TCP_NODELAY, sized socket buffers (<see cref="TransportOptions.SocketBufferSize"/>), kernel-level
/// backpressure, keepalive frames and an idle timeout. Bulk payloads go from the caller's buffer to
/// the socket and from the socket into the caller's buffer without an intermediate copy.
/// It also serves <c>tls://host:port</c>: the same framing inside TLS (<see cref="TransportOptions.Tls"/>: the server's
/// certificate to listen; what to trust to connect, the server being verified by default).
/// </summary>
public sealed class TcpTransport : ITransport
{
    public const string Scheme = "tcp";

    /// <summary>TLS over TCP.</summary>
    public const string TlsScheme = "tls";

    /// <summary>Pending connections the kernel queues for <see cref="TransportListener.AcceptAsync"/>.</summary>
    private const int ListenBacklog = 512;

    public IReadOnlyList<string> Schemes { get; } = [Scheme, TlsScheme];

    public bool IsAvailable(out string reason)
    {
        reason = "";
        return true;
    }

    public async ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
    {
        CheckArguments(endpoint, options);
        if (IsTls(endpoint) && options.Tls?.ServerCertificate is null)
        {
            throw new TransportException(TransportError.Unavailable, $"Cannot listen on {endpoint}: TLS needs a server certificate (TransportOptions.Tls.ServerCertificate).");
        }
        var address = await ResolveListenAddressAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            // Set before listen so accepted sockets inherit it and the window scale fits it.
            if (options.SocketBufferSize > 0)
            {
                socket.ReceiveBufferSize = options.SocketBufferSize;
            }
            socket.Bind(new IPEndPoint(address, endpoint.Port));
            socket.Listen(ListenBacklog);
            var bound = (IPEndPoint)socket.LocalEndPoint!;
            return new TcpTransportListener(socket, endpoint with { Port = bound.Port }, options);
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new TransportException(TransportError.Unavailable, $"Cannot listen on {endpoint}: {exception.Message}", exception);
        }
    }

    public async ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
    {
        CheckArguments(endpoint, options);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp); // dual mode: IPv4 and IPv6 targets
        try
        {
            TcpConnection.Configure(socket, options);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            EndPoint target = IPAddress.TryParse(endpoint.Host, out var address)
                ? new IPEndPoint(address, endpoint.Port)
                : new DnsEndPoint(endpoint.Host, endpoint.Port);
            await socket.ConnectAsync(target, timeout.Token).ConfigureAwait(false);
            if (IsTls(endpoint))
            {
                return await TlsConnection.ConnectAsync(socket, endpoint, options, cancellationToken).ConfigureAwait(false);
            }
            return TcpConnection.Create(socket, options);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw;
        }
        catch (OperationCanceledException exception)
        {
            socket.Dispose();
            throw new TransportException(TransportError.ConnectFailed, $"Connecting to {endpoint} timed out after {options.ConnectTimeout.TotalSeconds:0.###} s.", exception);
        }
        catch (SocketException exception)
        {
            socket.Dispose();
            throw new TransportException(TransportError.ConnectFailed, $"Cannot connect to {endpoint}: {exception.Message}", exception);
        }
        catch (TransportException)
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool IsTls(TransportEndpoint endpoint) => string.Equals(endpoint.Scheme, TlsScheme, StringComparison.OrdinalIgnoreCase);

    private static async ValueTask<IPAddress> ResolveListenAddressAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? addresses.FirstOrDefault()
                ?? throw new TransportException(TransportError.Unavailable, $"Host '{host}' has no address to listen on.");
        }
        catch (SocketException exception)
        {
            throw new TransportException(TransportError.Unavailable, $"Cannot resolve '{host}' to listen on: {exception.Message}", exception);
        }
    }

    private static void CheckArguments(TransportEndpoint endpoint, TransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!string.Equals(endpoint.Scheme, Scheme, StringComparison.OrdinalIgnoreCase) && !IsTls(endpoint))
        {
            throw new TransportException(TransportError.Unavailable, $"The TCP transport serves tcp:// and tls:// endpoints, not {endpoint}.");
        }
    }
}
