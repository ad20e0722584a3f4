using System.Net.Sockets;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The raw-socket baselines' blocking send and receive loops, and closing a peer's socket.
/// </summary>
/// <remarks>
/// There are no async helpers here on purpose: an async helper boxes its state machine on every
/// call that waits, and on a many-core host the pooling builder's per-thread caches miss often
/// enough to show up as bytes per operation. The async baselines write their send and receive
/// loops inline, inside one long-running method (<see cref="MeasuredLoop"/>, the peers), which is
/// boxed once.
/// </remarks>
internal static class SocketIo
{
    public static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[socket.Send(data, SocketFlags.None)..];
        }
    }

    public static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var received = socket.Receive(buffer, SocketFlags.None);
            if (received == 0)
            {
                throw PeerClosedMidMessage();
            }
            buffer = buffer[received..];
        }
    }

    public static EndOfStreamException PeerClosedMidMessage() => new("The peer closed the connection mid-message.");

    /// <summary>Closes a peer's socket so its loop sees end-of-stream and stops, rather than being left blocked.</summary>
    public static void Close(Socket? socket)
    {
        if (socket is null)
        {
            return;
        }
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer: closing is all that is left to do.
        }
        socket.Dispose();
    }
}
