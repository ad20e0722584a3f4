using System.Buffers;
using Orion.Cuda.Remote.Client;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>The client validates what a server sends: a broken or hostile server cannot make it write out of bounds.</summary>
public sealed class MaliciousServerTests
{
    [Fact]
    public async Task A_reply_announcing_more_data_than_requested_ends_the_session_without_writing()
    {
        var failure = await CopyOutFromHostileServerAsync(writer => writer.WriteUInt64(1 << 20), bulkAfter: 1 << 16); // 16 bytes were asked for
        Assert.Contains("announces 1048576 bytes", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_carrying_more_data_inline_than_it_announces_ends_the_session_without_writing()
    {
        var failure = await CopyOutFromHostileServerAsync(writer =>
        {
            writer.WriteUInt64(16); // as asked, but 32 bytes follow in the reply
            writer.WriteSpan(new byte[32].AsSpan());
        }, bulkAfter: 0);
        Assert.Contains("carries 32 bytes of data inline; it announced 16", failure, StringComparison.Ordinal);
    }

    /// <summary>
    /// A client asks a hostile server for 16 bytes into a 32-byte buffer; the server answers with
    /// <paramref name="writeReplyBody"/> (then <paramref name="bulkAfter"/> bytes of bulk). Returns the
    /// client's failure reason, after checking that the call failed and nothing was written.
    /// </summary>
    private static async Task<string> CopyOutFromHostileServerAsync(Action<ProtocolWriter> writeReplyBody, int bulkAfter)
    {
        var transports = new TransportFactory().Add(new InMemoryTransport());
        var endpoint = new TransportEndpoint(InMemoryTransport.Scheme, "hostile-" + Guid.NewGuid().ToString("N"), 0);
        await using var listener = await transports.ListenAsync(endpoint);
        var server = Task.Run(async () =>
        {
            await using var connection = await listener.AcceptAsync();
            await connection.ReceiveAsync(); // hello
            using var writer = new ProtocolWriter();
            new ServerWelcome(HandshakeStatus.Accepted, ProtocolLimits.Version, ProtocolFeatures.None, "", 1, "hostile", ProtocolLimits.MinChunkBytes, 13000, []).Encode(writer);
            await connection.SendAsync(writer.WrittenMemory);
            var request = (await connection.ReceiveAsync()).ToArray();
            var reader = new ProtocolReader(request);
            var header = RequestHeader.Read(ref reader);
            writer.Clear();
            var start = ReplyHeader.BeginRecord(writer, ReplyKind.Reply, header.RequestId, CudaStatus.Success, CudaStatus.Success);
            writeReplyBody(writer);
            ReplyHeader.EndRecord(writer, start);
            try
            {
                await connection.SendAsync(writer.WrittenMemory);
                if (bulkAfter > 0)
                {
                    await connection.SendBulkAsync(new byte[bulkAfter]);
                }
                // The client ends the connection on the bad reply. A transport notices a peer's
                // close only while someone reads, so wait for it with a receive (waiting on Closed
                // alone hung whenever the sends finished before the client closed).
                await connection.ReceiveAsync();
            }
            catch (TransportException)
            {
                // The client has gone: what this hostile server expects.
            }
        });

        await using var client = await RemoteCudaClient.ConnectAsync(transports, endpoint);
        var destination = new byte[32];
        var status = CopyOut(client, destination, 16);
        Assert.Equal(RemoteCudaClient.ConnectionLost, status);
        Assert.All(destination, b => Assert.Equal(0, b));
        var failure = client.FailureReason ?? "";
        await client.DisposeAsync();
        await server.WaitAsync(TimeSpan.FromSeconds(10));
        return failure;
    }

    [Fact]
    public async Task Device_output_the_client_did_not_ask_for_ends_the_session()
    {
        var transports = new TransportFactory().Add(new InMemoryTransport());
        var endpoint = new TransportEndpoint(InMemoryTransport.Scheme, "chatty-" + Guid.NewGuid().ToString("N"), 0);
        await using var listener = await transports.ListenAsync(endpoint);
        var server = Task.Run(async () =>
        {
            await using var connection = await listener.AcceptAsync();
            await connection.ReceiveAsync(); // hello, without the device-output feature
            using var writer = new ProtocolWriter();
            new ServerWelcome(HandshakeStatus.Accepted, ProtocolLimits.Version, ProtocolFeatures.None, "", 1, "chatty", ProtocolLimits.MinChunkBytes, 13000, []).Encode(writer);
            await connection.SendAsync(writer.WrittenMemory);
            var request = (await connection.ReceiveAsync()).ToArray();
            var reader = new ProtocolReader(request);
            var header = RequestHeader.Read(ref reader);
            writer.Clear();
            var output = ReplyHeader.BeginRecord(writer, ReplyKind.DeviceOutput, 0, CudaStatus.Success, CudaStatus.Success);
            writer.WriteByte((byte)DeviceOutputTarget.StandardOutput);
            writer.WriteSpan("unasked\n"u8);
            ReplyHeader.EndRecord(writer, output);
            var reply = ReplyHeader.BeginRecord(writer, ReplyKind.Reply, header.RequestId, CudaStatus.Success, CudaStatus.Success);
            ReplyHeader.EndRecord(writer, reply);
            try
            {
                await connection.SendAsync(writer.WrittenMemory);
                await connection.ReceiveAsync();
            }
            catch (TransportException)
            {
            }
        });

        await using var client = await RemoteCudaClient.ConnectAsync(transports, endpoint);
        Assert.Equal(RemoteCudaClient.ConnectionLost, client.Synchronize());
        Assert.Contains("device output", client.FailureReason, StringComparison.Ordinal);
        await client.DisposeAsync();
        await server.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static unsafe CudaStatus CopyOut(RemoteCudaClient client, byte[] destination, ulong bytes)
    {
        fixed (byte* pointer = destination)
        {
            return client.CopyDeviceToHost((nint)pointer, 0x1000, bytes);
        }
    }
}
