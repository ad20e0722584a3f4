using System.Buffers.Binary;
using Orion.Transport.InMemory;

namespace Orion.Transport.Tests.Tcp;

/// <summary>
/// <see cref="TransportConnection.MaxIncomingMessageSize"/>: a server lowers it until its peer has authenticated. A frame
/// announcing more fails the connection when its header is read: the receiver does not wait for (nor reserve room for)
/// the announced payload.
/// </summary>
public sealed class IncomingMessageLimitTests
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(5);

    private static byte[] MessageHeader(uint length)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        header[4] = 1; // message
        return header;
    }

    [Fact]
    public async Task A_tcp_frame_over_the_lowered_limit_fails_at_its_header()
    {
        await using var pair = await RawTcpPair.ConnectAsync(Quickly);
        pair.Server.MaxIncomingMessageSize = 4096;
        // A 1 MiB message is within MaxMessageSize (16 MiB); only its header is sent, as a hostile peer would.
        await pair.Raw.SendAsync(MessageHeader(1 << 20));

        var failure = Assert.Throws<TransportException>(() => pair.Server.Receive(new CancellationTokenSource(Quickly).Token));
        Assert.Equal(TransportError.FrameTooLarge, failure.Error);
        Assert.Equal("Incoming message of 1048576 bytes exceeds the limit of 4096 bytes before authentication.", failure.Message);
    }

    [Fact]
    public async Task Raised_again_the_limit_lets_large_messages_through()
    {
        var transport = new InMemoryTransport();
        var endpoint = new TransportEndpoint(InMemoryTransport.Scheme, "limit-" + Guid.NewGuid().ToString("N"), 0);
        await using var listener = await transport.ListenAsync(endpoint, new TransportOptions());
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(endpoint, new TransportOptions());
        await using var server = await accept;

        server.MaxIncomingMessageSize = 4096;
        Assert.Equal(4096, server.MaxIncomingMessageSize);
        await client.SendAsync(new byte[4096]);
        Assert.Equal(4096, (await server.ReceiveAsync()).Length);
        server.MaxIncomingMessageSize = server.Options.MaxMessageSize;
        await client.SendAsync(new byte[1 << 20]);
        Assert.Equal(1 << 20, (await server.ReceiveAsync()).Length);

        Assert.Throws<ArgumentOutOfRangeException>(() => server.MaxIncomingMessageSize = server.Options.MaxMessageSize + 1);
    }
}
