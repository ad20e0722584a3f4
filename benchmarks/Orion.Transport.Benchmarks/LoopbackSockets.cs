using System.Net;
using System.Net.Sockets;

namespace Orion.Transport.Benchmarks;

/// <summary>A connected pair of plain TCP sockets over 127.0.0.1, tuned as Orion's TCP transport tunes its own.</summary>
internal static class LoopbackSockets
{
    public static (Socket Client, Socket Server) Connect()
    {
        // The same kernel buffer size the transport asks for, so the baseline is not handicapped.
        var bufferSize = TransportOptions.Default.SocketBufferSize;
        using var listener = CreateTuned(bufferSize);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = CreateTuned(bufferSize);
        client.Connect(listener.LocalEndPoint!);
        var server = listener.Accept();
        server.NoDelay = true;
        return (client, server);
    }

    private static Socket CreateTuned(int bufferSize)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
        };
        if (bufferSize > 0)
        {
            // Set before connect/listen so that window scaling is negotiated for this size.
            socket.SendBufferSize = bufferSize;
            socket.ReceiveBufferSize = bufferSize;
        }
        return socket;
    }
}
