using Orion.Transport.Rdma;
using Orion.Transport.SharedMemory;
using Orion.Transport.Tcp;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// An Orion connection over a real transport, the counterpart of <see cref="RawSocketSession"/>:
/// a listener on an ephemeral loopback port, the benchmark's client connection, and the accepted
/// server connection running one of <see cref="OrionPeers"/>' loops.
/// </summary>
internal sealed class OrionSession : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan s_peerStopTimeout = TimeSpan.FromSeconds(10);

    private readonly TransportListener _listener;
    private readonly TransportConnection _server;
    private readonly Task _peer;

    private OrionSession(TransportListener listener, TransportConnection client, TransportConnection server, Task peer)
    {
        _listener = listener;
        Client = client;
        _server = server;
        _peer = peer;
    }

    /// <summary>The benchmark's end of the connection.</summary>
    public TransportConnection Client { get; }

    /// <summary>Orion's TCP transport on an ephemeral loopback port, as the raw baselines use.</summary>
    public static OrionSession StartTcp(Func<TransportConnection, Task> peer)
        => Start(new TcpTransport(), new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0), peer);

    /// <summary>Orion's RDMA transport over the in-process software verbs provider (<c>rdma+soft</c>,
    /// default settings): the transport's own overhead, no NIC involved.</summary>
    public static OrionSession StartRdmaSoftware(Func<TransportConnection, Task> peer)
        => Start(RdmaTransport.CreateSoftware(), new TransportEndpoint(RdmaTransport.SoftwareScheme, "127.0.0.1", 0), peer);

    /// <summary>Orion's shared-memory transport (default settings: 4 MiB rings) on a socket in the temp directory.</summary>
    public static OrionSession StartSharedMemory(Func<TransportConnection, Task> peer)
        => Start(new SharedMemoryTransport(), new TransportEndpoint(SharedMemoryTransport.Scheme,
            Path.Combine(Path.GetTempPath(), $"orion-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.sock"), 0), peer);

    private static OrionSession Start(ITransport transport, TransportEndpoint endpoint, Func<TransportConnection, Task> peer)
        => StartAsync(transport, endpoint, peer).AsTask().GetAwaiter().GetResult();

    private static async ValueTask<OrionSession> StartAsync(ITransport transport, TransportEndpoint endpoint, Func<TransportConnection, Task> peer)
    {
        var options = TransportOptions.Default;
        var listener = await transport.ListenAsync(endpoint, options);
        var accepting = listener.AcceptAsync().AsTask();
        var client = await transport.ConnectAsync(listener.Endpoint, options);
        var server = await accepting;
        return new OrionSession(listener, client, server, peer(server));
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        // Closing our end first lets the peer loop see the close and return on its own.
        await Client.DisposeAsync();
        var stopped = await Task.WhenAny(_peer, Task.Delay(s_peerStopTimeout)) == _peer;
        await _server.DisposeAsync();
        await _listener.DisposeAsync();
        if (!stopped)
        {
            throw new InvalidOperationException("The Orion peer loop did not stop after its connection was closed.");
        }
        await _peer; // Surfaces an unexpected failure of the peer loop.
    }
}
