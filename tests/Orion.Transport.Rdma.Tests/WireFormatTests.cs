using Orion.Transport.Rdma.Software;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Tests;

/// <summary>Parsing of what the peer sends: frame headers and connection parameters.</summary>
public sealed class WireFormatTests
{
    [Fact]
    public void Frame_header_round_trips()
    {
        var bytes = new byte[RdmaFrameHeader.Size];
        new RdmaFrameHeader(RdmaFrameKind.BulkStart, 7, 3, 1L << 40).Write(bytes);
        Assert.True(RdmaFrameHeader.TryRead(bytes, out var header, out _));
        Assert.Equal(new RdmaFrameHeader(RdmaFrameKind.BulkStart, 7, 3, 1L << 40), header);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 0, 0 }, "shorter")]                                          // truncated
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "kind 0")]         // unknown kind
    [InlineData(new byte[] { 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "kind 9")]
    [InlineData(new byte[] { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "invalid")]        // reserved byte set
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "invalid")]        // reserved word set
    [InlineData(new byte[] { 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80 }, "negative")]    // negative length
    public void Invalid_frame_headers_are_refused_with_a_reason(byte[] bytes, string reason)
    {
        Assert.False(RdmaFrameHeader.TryRead(bytes, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_parameters_round_trip()
    {
        var bytes = new byte[ConnectionParameters.Size];
        var sent = new ConnectionParameters(32, 4096, 4, 256 * 1024, 0xABCD, 0x7F00_1234_5000);
        sent.Write(bytes);
        Assert.True(ConnectionParameters.TryRead(bytes, out var read, out _));
        Assert.Equal(sent, read);
    }

    private static readonly ConnectionParameters[] s_outOfRange =
    [
        new ConnectionParameters(3, 4096, 4, 65536, 1, 1),        // too few receive buffers
        new ConnectionParameters(32, 63, 4, 65536, 1, 1),         // receive buffers too small
        new ConnectionParameters(32, (1 << 20) + 1, 4, 65536, 1, 1),
        new ConnectionParameters(32, 4096, 0, 65536, 1, 1),       // no slots
        new ConnectionParameters(32, 4096, 4, 4095, 1, 1),        // slots too small
        new ConnectionParameters(32, 4096, 4, (64 << 20) + 1, 1, 1),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Out_of_range_connection_parameters_are_refused(int index)
    {
        var bytes = new byte[ConnectionParameters.Size];
        s_outOfRange[index].Write(bytes);
        Assert.False(ConnectionParameters.TryRead(bytes, out _, out var error));
        Assert.Contains("out of range", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Foreign_or_truncated_private_data_is_not_an_orion_peer()
    {
        Assert.False(ConnectionParameters.TryRead(new byte[10], out _, out var error));
        Assert.Contains("not an Orion RDMA endpoint", error, StringComparison.Ordinal);
        var bytes = new byte[ConnectionParameters.Size];
        new ConnectionParameters(32, 4096, 4, 65536, 1, 1).Write(bytes);
        bytes[4] = 2; // version 2
        Assert.False(ConnectionParameters.TryRead(bytes, out _, out error));
        Assert.Contains("version 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connect_request_with_bad_parameters_is_refused_and_the_listener_keeps_serving()
    {
        var transport = RdmaTransport.CreateSoftware(SoftwareConnections.Small);
        await using var listener = await transport.ListenAsync(new TransportEndpoint(RdmaTransport.SoftwareScheme, "localhost", 0), TransportOptions.Default);
        var provider = (SoftwareVerbsProvider)transport.Provider;
        var caps = new QueueCapacities { MaxSendRequests = 8, MaxReceiveRequests = 8, CompletionQueueEntries = 32 };
        using var stranger = provider.CreateClient("localhost", listener.Endpoint.Port, ref caps, TimeSpan.FromSeconds(10));
        var refused = Assert.Throws<TransportException>(() => stranger.Connect("hello"u8, new byte[56], out _, TimeSpan.FromSeconds(10)));
        Assert.Equal(TransportError.ConnectFailed, refused.Error);

        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(listener.Endpoint, TransportOptions.Default);
        await using var server = await accept.WaitAsync(TimeSpan.FromSeconds(20));
        await client.SendAsync(new byte[] { 7 });
        Assert.Equal(7, (await server.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(20))).FirstSpan[0]);
    }
}
