using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The raw-socket baseline's send and receive loops. The async ones use the pooling builder so a
/// steady-state exchange allocates nothing, which keeps the baseline's allocation column at zero
/// and makes any allocation shown for Orion its own.
/// </summary>
internal static class SocketIo
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None);
            data = data[sent..];
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public static async ValueTask ReceiveExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var received = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (received == 0)
            {
                throw new EndOfStreamException("The peer closed the connection mid-message.");
            }
            buffer = buffer[received..];
        }
    }

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
                throw new EndOfStreamException("The peer closed the connection mid-message.");
            }
            buffer = buffer[received..];
        }
    }

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
