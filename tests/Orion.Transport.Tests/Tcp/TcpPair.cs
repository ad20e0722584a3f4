using Orion.Transport.Tcp;

namespace Orion.Transport.Tests.Tcp;

/// <summary>A listener on a free loopback port and one connection accepted from it, for the
/// TCP-specific tests; disposing aborts both ends and stops the listener.</summary>
internal sealed record TcpPair(TransportListener Listener, TransportConnection Client, TransportConnection Server) : IAsyncDisposable
{
    public static async Task<TcpPair> ConnectAsync(TransportOptions options, TimeSpan acceptTimeout)
    {
        var transport = new TcpTransport();
        var listener = await transport.ListenAsync(new TransportEndpoint("tcp", "127.0.0.1", 0), options);
        var accept = listener.AcceptAsync().AsTask();
        var client = await transport.ConnectAsync(listener.Endpoint, options);
        return new TcpPair(listener, client, await accept.WaitAsync(acceptTimeout));
    }

    public async ValueTask DisposeAsync()
    {
        Client.Abort("test over");
        Server.Abort("test over");
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        await Listener.DisposeAsync();
    }
}
