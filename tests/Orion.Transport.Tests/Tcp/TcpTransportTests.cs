using System.Net;
using System.Net.Sockets;
using Orion.Transport.Tcp;

namespace Orion.Transport.Tests.Tcp;

/// <summary>TCP-specific behaviour beyond the conformance suite.</summary>
public sealed class TcpTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Sockets_use_nodelay_and_the_configured_buffer_sizes()
    {
        var options = new TransportOptions { SocketBufferSize = 1024 * 1024 };
        await using var pair = await ConnectAsync(options);
        foreach (var connection in new[] { pair.Client, pair.Server })
        {
            var socket = ((TcpConnection)connection).Socket;
            Assert.True(socket.NoDelay);
            // Linux doubles the requested size for bookkeeping; it must not be below what was asked.
            Assert.True(socket.SendBufferSize >= options.SocketBufferSize, $"send buffer {socket.SendBufferSize}");
            Assert.True(socket.ReceiveBufferSize >= options.SocketBufferSize, $"receive buffer {socket.ReceiveBufferSize}");
        }
    }

    [Fact]
    public async Task Bulk_payload_is_read_from_the_socket_straight_into_the_destination()
    {
        const int size = 16 * 1024 * 1024;
        await using var pair = await ConnectAsync(new TransportOptions());
        var payload = new byte[size];
        new Random(3).NextBytes(payload);
        var send = Task.Run(async () => await pair.Client.SendBulkAsync(payload));
        var destination = new byte[size];
        await pair.Server.ReceiveBulkAsync(destination).AsTask().WaitAsync(Timeout);
        await send.WaitAsync(Timeout);
        Assert.True(payload.AsSpan().SequenceEqual(destination));
        // At most what the input reader had buffered after the header was copied; the rest bypassed it.
        var direct = ((TcpConnection)pair.Server).BytesReadDirect;
        Assert.True(direct >= size - 1024 * 1024, $"only {direct} of {size} bytes took the direct path");
    }

    [Fact]
    public async Task Host_names_are_resolved_when_connecting()
    {
        var transport = new TcpTransport();
        await using var listener = await transport.ListenAsync(new TransportEndpoint("tcp", "127.0.0.1", 0), TransportOptions.Default);
        Assert.NotEqual(0, listener.Endpoint.Port);
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(new TransportEndpoint("tcp", "localhost", listener.Endpoint.Port), TransportOptions.Default);
        await using var server = await accept.WaitAsync(Timeout);
        Assert.Equal("127.0.0.1", server.LocalEndpoint.Host);
        Assert.Equal(listener.Endpoint.Port, server.LocalEndpoint.Port);
        Assert.Equal(client.LocalEndpoint.Port, server.RemoteEndpoint.Port);
    }

    [Fact]
    public async Task Listening_on_a_port_in_use_is_a_clear_error()
    {
        var transport = new TcpTransport();
        await using var first = await transport.ListenAsync(new TransportEndpoint("tcp", "127.0.0.1", 0), TransportOptions.Default);
        var failure = await Assert.ThrowsAsync<TransportException>(() => transport.ListenAsync(first.Endpoint, TransportOptions.Default).AsTask());
        Assert.Equal(TransportError.Unavailable, failure.Error);
        Assert.Contains(first.Endpoint.ToString(), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Other_schemes_are_refused()
    {
        var failure = await Assert.ThrowsAsync<TransportException>(
            () => new TcpTransport().ConnectAsync(TransportEndpoint.Parse("inproc://x"), TransportOptions.Default).AsTask());
        Assert.Equal(TransportError.Unavailable, failure.Error);
    }

    [Fact]
    public async Task A_bulk_receive_skips_keepalives_and_ends_with_ConnectionClosed_at_a_close_frame()
    {
        var transport = new TcpTransport();
        await using var listener = await transport.ListenAsync(new TransportEndpoint("tcp", "127.0.0.1", 0), TransportOptions.Default);
        var accept = listener.AcceptAsync().AsTask();
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await raw.ConnectAsync(new IPEndPoint(IPAddress.Loopback, listener.Endpoint.Port));
        await using var server = await accept.WaitAsync(Timeout);

        // keepalive, bulk of 4 bytes, keepalive, close: 8-byte headers (u32 length, u8 kind, 3 zeros).
        byte[] wire =
        [
            0, 0, 0, 0, 3, 0, 0, 0,
            4, 0, 0, 0, 2, 0, 0, 0, 0xA1, 0xB2, 0xC3, 0xD4,
            0, 0, 0, 0, 3, 0, 0, 0,
            0, 0, 0, 0, 4, 0, 0, 0,
        ];
        await raw.SendAsync(wire);

        var destination = new byte[4];
        await server.ReceiveBulkAsync(destination).AsTask().WaitAsync(Timeout);
        Assert.Equal(new byte[] { 0xA1, 0xB2, 0xC3, 0xD4 }, destination);
        var closed = await Assert.ThrowsAsync<TransportException>(() => server.ReceiveBulkAsync(destination).AsTask().WaitAsync(Timeout));
        Assert.Equal(TransportError.ConnectionClosed, closed.Error);
    }

    private static Task<TcpPair> ConnectAsync(TransportOptions options) => TcpPair.ConnectAsync(options, Timeout);
}
