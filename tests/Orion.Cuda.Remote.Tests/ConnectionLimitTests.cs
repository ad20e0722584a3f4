using System.Buffers;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.Tcp;

using static Orion.Cuda.Remote.Tests.RawRecords;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// What a peer that connects and says nothing may hold in context-isolation mode (findings of issue 13): a session
/// thread only until the hello timeout, and a slot counted against the server's session limit, past which
/// clients are refused as unavailable while the server keeps serving the sessions it has; and a client that stops
/// reading holds its session and device memory only until a send has waited the send timeout.
/// </summary>
public sealed class ConnectionLimitTests : RemoteCudaTestBase
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);

    [Fact]
    public async Task A_connection_that_never_says_hello_is_dropped_at_the_hello_timeout()
    {
        var (server, _) = await StartServerAsync(options => options.HelloTimeout = TimeSpan.FromMilliseconds(300));
        await using var silent = await Transports.ConnectAsync(server.Endpoints[0]);
        await WaitUntilAsync(() => server.Sessions.Count == 1, "the silent connection holds a session");

        // The server ends it: the silent peer's receive fails instead of waiting for the idle timeout (60 s).
        await Assert.ThrowsAsync<TransportException>(async () => await silent.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await WaitUntilAsync(() => server.Sessions.Count == 0, "the silent session was dropped");
    }

    [Fact]
    public async Task Connections_past_the_session_limit_are_refused_as_unavailable_and_the_others_keep_working()
    {
        var (server, _) = await StartServerAsync(options => options.MaxSessions = 2);
        var working = await ConnectAsync(server);
        await using var silent = await Transports.ConnectAsync(server.Endpoints[0]);
        await WaitUntilAsync(() => server.Sessions.Count == 2, "both connections hold a session");

        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]));
        Assert.Equal(HandshakeStatus.Unavailable, refused.Status);
        Assert.Contains("maximum of 2 sessions", refused.Message, StringComparison.Ordinal);
        Assert.Equal(CudaStatus.Success, working.Synchronize()); // the server still serves the session it has

        // A slot comes back when its connection goes.
        await silent.DisposeAsync();
        await WaitUntilAsync(() => server.Sessions.Count == 1, "the silent connection's session ended");
        await using var later = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
        Assert.Equal(CudaStatus.Success, later.Synchronize());
    }

    [Fact]
    public async Task A_client_that_stops_reading_loses_its_session_and_memory_at_the_send_timeout()
    {
        var (server, backend) = await StartServerAsync(options => options.SendTimeout = TimeSpan.FromMilliseconds(500));
        await using var connection = await Transports.ConnectAsync(server.Endpoints[0]);
        using (var hello = new ProtocolWriter())
        {
            new ClientHello(ProtocolLimits.Version, ProtocolFeatures.None, "", "stops-reading").Encode(hello);
            await connection.SendAsync(hello.WrittenMemory);
        }
        Assert.Equal(HandshakeStatus.Accepted, ServerWelcome.Decode((await connection.ReceiveAsync()).ToArray()).Status);
        const ulong Bytes = 64UL << 20;
        await connection.SendAsync(Record(Opcode.Allocate, U64(Bytes), requestId: 1));
        var reply = new ProtocolReader((await connection.ReceiveAsync()).ToArray());
        Assert.Equal(CudaStatus.Success, ReplyHeader.Read(ref reply).Status);
        var address = reply.ReadUInt64();
        Assert.Equal(1, backend.LiveContextCount);

        // Ask for all of it back and read nothing: the server's send fills the connection's buffers and waits.
        await connection.SendAsync(Record(Opcode.CopyDeviceToHost, [.. U64(address), .. U64(Bytes)], requestId: 2));

        await WaitUntilAsync(() => server.Sessions.Count == 0, "the session of the client that stopped reading ended");
        await WaitUntilAsync(() => backend.LiveContextCount == 0, "its context and memory were freed");
    }
}
