using System.Net.Sockets;

namespace Orion.Transport.Tcp;

/// <summary>A listening socket; each accepted socket becomes a <see cref="TcpConnection"/>.</summary>
internal sealed class TcpTransportListener : TransportListener
{
    private readonly Socket _socket;
    private readonly TransportOptions _options;
    private int _disposed;

    public TcpTransportListener(Socket socket, TransportEndpoint endpoint, TransportOptions options)
    {
        _socket = socket;
        Endpoint = endpoint;
        _options = options;
        _tls = string.Equals(endpoint.Scheme, TcpTransport.TlsScheme, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A <c>tls://</c> listener: each accepted socket becomes a <see cref="TlsConnection"/>.</summary>
    private readonly bool _tls;

    public override TransportEndpoint Endpoint { get; }

    public override async ValueTask<TransportConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is ObjectDisposedException or SocketException && Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException($"The listener on {Endpoint} is stopped.", exception);
            }
            catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue; // The client gave up before we accepted it; the listener is fine.
            }

            try
            {
                TcpConnection.Configure(accepted, _options);
                return _tls ? TlsConnection.Accept(accepted, _options) : TcpConnection.Create(accepted, _options);
            }
            catch (SocketException)
            {
                accepted.Dispose(); // Gone between accept and setup: wait for the next one.
            }
        }
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _socket.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
