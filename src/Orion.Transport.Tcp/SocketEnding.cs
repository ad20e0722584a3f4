using System.Net.Sockets;

namespace Orion.Transport.Tcp;

/// <summary>How a TCP connection's socket ends when the connection fails, plain or under TLS alike.</summary>
internal static class SocketEnding
{
    public static void End(Socket socket, TransportError reason)
    {
        try
        {
            if (reason == TransportError.ConnectionClosed)
            {
                // The peer closed gracefully and is waiting for our end of stream.
                socket.Shutdown(SocketShutdown.Both);
                return;
            }
            // Anything else is an abort: a reset tells the peer at once, and disposing the socket
            // ends every operation pending on it.
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already gone: nothing left to tell the peer.
        }
        socket.Dispose();
    }
}
