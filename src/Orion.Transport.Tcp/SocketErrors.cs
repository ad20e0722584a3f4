using System.Net.Sockets;

namespace Orion.Transport.Tcp;

/// <summary>Maps socket failures onto the transport's error model.</summary>
internal static class SocketErrors
{
    public static TransportException Translate(Exception exception)
    {
        if (exception is TransportException transportException)
        {
            return transportException;
        }
        var socketException = exception as SocketException ?? exception.InnerException as SocketException;
        if (socketException is not null)
        {
            var error = socketException.SocketErrorCode switch
            {
                SocketError.TimedOut => TransportError.Timeout,
                SocketError.OperationAborted => TransportError.ConnectionAborted,
                _ => TransportError.ConnectionReset, // reset, broken pipe (Shutdown), not connected, host down...
            };
            return new TransportException(error, $"TCP connection failed: {socketException.Message} ({socketException.SocketErrorCode}).", exception);
        }
        if (exception is ObjectDisposedException)
        {
            return new TransportException(TransportError.ConnectionAborted, "The TCP connection was closed by this side.", exception);
        }
        return new TransportException(TransportError.ConnectionReset, $"TCP connection failed: {exception.Message}", exception);
    }
}
