using System.Net;
using System.Net.Sockets;
using Orion.Transport.Tcp;

namespace Orion.Transport.Tests.Tcp;

/// <summary>A listener on a free loopback port, a plain socket connected to it (which puts bytes on
/// the wire exactly as a test writes them, or stays silent) and the Orion connection accepted from it;
/// disposing closes all three.</summary>
internal sealed record RawTcpPair(TransportListener Listener, Socket Raw, TransportConnection Server) : IAsyncDisposable
{
    public static async Task<RawTcpPair> ConnectAsync(TimeSpan acceptTimeout)
    {
        var listener = await new TcpTransport().ListenAsync(new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0), new TransportOptions());
        var accept = listener.AcceptAsync().AsTask();
        var raw = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await raw.ConnectAsync(IPAddress.Loopback, listener.Endpoint.Port);
        return new RawTcpPair(listener, raw, await accept.WaitAsync(acceptTimeout));
    }

    public async ValueTask DisposeAsync()
    {
        Raw.Dispose();
        await Server.DisposeAsync();
        await Listener.DisposeAsync();
    }
}
