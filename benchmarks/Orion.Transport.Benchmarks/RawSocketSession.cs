using System.Net.Sockets;

namespace Orion.Transport.Benchmarks;

/// <summary>A raw-socket connection whose far end runs one of <see cref="RawSocketPeers"/>' loops.</summary>
internal sealed class RawSocketSession : IDisposable
{
    private static readonly TimeSpan s_peerStopTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _server;
    private readonly Task? _peerTask;
    private readonly Thread? _peerThread;

    private RawSocketSession(Socket client, Socket server, Func<Socket, Task>? asyncPeer, Func<Socket, Thread>? threadPeer)
    {
        Client = client;
        _server = server;
        _peerTask = asyncPeer?.Invoke(server);
        _peerThread = threadPeer?.Invoke(server);
    }

    /// <summary>The benchmark's end of the connection.</summary>
    public Socket Client { get; }

    public static RawSocketSession StartEcho(int messageSize, bool blocking)
    {
        var (client, server) = LoopbackSockets.Connect();
        return blocking
            ? new RawSocketSession(client, server, null, s => RawSocketPeers.StartBlockingEcho(s, messageSize))
            : new RawSocketSession(client, server, s => RawSocketPeers.EchoAsync(s, messageSize), null);
    }

    /// <summary>A sink that receives whole messages of <paramref name="messageSize"/> (the streaming baseline).</summary>
    public static RawSocketSession StartMessageSink(int messageSize, int messagesPerBurst, bool blocking)
    {
        var (client, server) = LoopbackSockets.Connect();
        return blocking
            ? new RawSocketSession(client, server, null, s => RawSocketPeers.StartBlockingMessageSink(s, messageSize, messagesPerBurst))
            : new RawSocketSession(client, server, s => RawSocketPeers.MessageSinkAsync(s, messageSize, messagesPerBurst), null);
    }

    /// <summary>A sink that reads whatever has arrived, in 4 MiB reads.</summary>
    public static RawSocketSession StartStreamSink(long burstBytes)
    {
        var (client, server) = LoopbackSockets.Connect();
        return new RawSocketSession(client, server, s => RawSocketPeers.StreamSinkAsync(s, burstBytes), null);
    }

    public void Dispose()
    {
        // Closing our end first lets the peer loop see end-of-stream and return on its own.
        SocketIo.Close(Client);
        var stopped = _peerTask?.Wait(s_peerStopTimeout) ?? _peerThread!.Join(s_peerStopTimeout);
        SocketIo.Close(_server);
        if (!stopped)
        {
            throw new InvalidOperationException("The raw-socket peer loop did not stop after its connection was closed.");
        }
    }
}
