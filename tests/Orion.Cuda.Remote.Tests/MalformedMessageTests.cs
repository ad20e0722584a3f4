using System.Buffers;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

using static Orion.Cuda.Remote.Tests.RawRecords;

namespace Orion.Cuda.Remote.Tests;

/// <summary>Malformed input ends only the session that sent it, with a clear reason; the server keeps serving others.</summary>
public abstract class MalformedMessageTests : RemoteCudaTestBase
{
    public static TheoryData<string, byte[]> MalformedBatches => new()
    {
        { "unknown opcode", Record((Opcode)999, []) },
        { "announces", Header(Opcode.SynchronizeDevice, 0, 1, bodyLength: 1000) },
        { "string of 5000 bytes", Record(Opcode.GetFunction, [.. U64(16), .. U64(17), .. U16(5000), .. new byte[5000]], requestId: 1) },
        { "imageBytes 1099511627776 is over its limit", Record(Opcode.LoadModule, [.. U64(16), .. U64(1UL << 40)], requestId: 1) },
        { "trailing bytes", Record(Opcode.SynchronizeDevice, [1, 2, 3], requestId: 1) },
        { "truncated", Record(Opcode.Allocate, [1, 2], requestId: 1) },
        { "elementSize 3 is not a defined value", Record(Opcode.Memset, [.. U64(0), .. U32(0), 3, .. U64(1)], requestId: 1) },
        { "empty message", [] },
        { "reserved field", Header(Opcode.SynchronizeDevice, 0x80, 1, 0) },
        { "CopyDeviceToHost needs a request id", Record(Opcode.CopyDeviceToHost, [.. U64(0x1000), .. U64(16)]) },
        { "CreateStream is asynchronous and has no reply", Record(Opcode.CreateStream, [.. U64(16), .. U32(0), .. U32(0)], requestId: 7) },
        { "byte field of 40000 bytes exceeds the limit", Record(Opcode.Launch, [.. U64(16), .. U64(0), .. new byte[28], .. U32(40000), .. new byte[40000]]) },
        { "splits rows wider than", Record(Opcode.Copy2DHostToDevice, [.. U64(0), .. U64(1UL << 30), .. U64(1UL << 27), .. U64(2)], requestId: 1) },
        // One row is still 2D data: it would otherwise be cut into chunks smaller than a row (stale staging bytes sent back).
        { "rows of 134217728 bytes", Record(Opcode.Copy2DDeviceToHost, [.. U64(0), .. U64(1UL << 30), .. U64(1UL << 27), .. U64(1)], requestId: 1) },
        // An array in a request: its count is checked against the limit and against the record before anything is allocated.
        { "AddEmptyNode: dependencies count 4097 is over its limit", Record(Opcode.AddEmptyNode, [.. U64(16), .. U64(17), .. U32(4097)], requestId: 1) },
        { "AddEmptyNode: dependencies count 3 is over its limit of 4096 or longer than the record",
            Record(Opcode.AddEmptyNode, [.. U64(16), .. U64(17), .. U32(3), .. U64(18)], requestId: 1) },
    };

    [Theory]
    [MemberData(nameof(MalformedBatches))]
    public async Task A_malformed_message_ends_that_session_only(string expectedReason, byte[] message)
    {
        await using var raw = await OpenRawSessionAsync("raw-test");
        var peerClosedDuringSend = false;
        try
        {
            await raw.SendAsync(message);
        }
        catch (TransportException e) when (e.Error == TransportError.ConnectionClosed)
        {
            // A transport whose large sends complete only after delivery (RDMA WRITE) can see the
            // server's close, which this very message caused, before its own send completion; the
            // connection has then failed and the reason record can no longer be read.
            peerClosedDuringSend = true;
        }
        if (!peerClosedDuringSend)
        {
            var reason = await ReadSessionEndAsync(raw);
            Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
        }
        await WaitUntilAsync(() => Server.Sessions.Count == 1, "the malformed session was cleaned up");
        // The well-behaved client is unaffected.
        using var buffer = Gpu.Upload<int>([1, 2, 3]);
        Assert.Equal(new[] { 1, 2, 3 }, buffer.ToArray());
    }

    [Theory]
    [InlineData(Opcode.Copy2DHostToDevice)]
    [InlineData(Opcode.Copy2DDeviceToHost)]
    public async Task A_2d_copy_of_zero_width_is_answered_at_once_before_and_after_the_session_has_a_context(Opcode opcode)
    {
        // Rows of 0 bytes: no bulk data at all, so no chunk loop may wait for one, with or without a context.
        await using var raw = await OpenRawSessionAsync("raw-test");
        foreach (var requestId in new uint[] { 1, 3 })
        {
            var address = 0UL;
            if (requestId == 3)
            {
                await raw.SendAsync(Record(Opcode.Allocate, U64(4096), requestId: 2));
                var allocated = (await raw.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ToArray();
                var allocation = new ProtocolReader(allocated);
                ReplyHeader.Read(ref allocation);
                address = allocation.ReadUInt64();
            }
            await raw.SendAsync(Record(opcode, [.. U64(address), .. U64(64), .. U64(0), .. U64(5)], requestId: requestId));
            var answer = (await raw.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ToArray();
            var reader = new ProtocolReader(answer);
            var header = ReplyHeader.Read(ref reader);
            Assert.Equal(requestId, header.RequestId);
        }
        Assert.Equal(2, Server.Sessions.Count); // both sessions still served
    }

    [Fact]
    public async Task A_client_that_vanishes_in_the_middle_of_a_copy_is_cleaned_up()
    {
        var connection = await OpenRawSessionAsync("raw-test");
        // Allocate, then announce a 1 MiB host-to-device copy and send only part of its data.
        await connection.SendAsync(Record(Opcode.Allocate, U64(1 << 20), requestId: 1));
        var reply = (await connection.ReceiveAsync()).ToArray();
        var reader = new ProtocolReader(reply);
        var header = ReplyHeader.Read(ref reader);
        Assert.Equal(CudaStatus.Success, header.Status);
        var address = reader.ReadUInt64();
        await WaitUntilAsync(() => Server.Sessions.Any(s => s.Allocations == 1), "the raw session holds its allocation");
        await connection.SendAsync(Record(Opcode.CopyHostToDevice, [.. U64(address), .. U64(1 << 20)], requestId: 2));
        await connection.SendBulkAsync(new byte[ChunkBytes]);
        Assert.Equal(1, Backend.LiveContextCount); // the raw session's (the other client has not used the device yet)
        connection.Abort("client crashed mid-copy");
        await WaitUntilAsync(() => Server.Sessions.Count == 1, "the vanished session was cleaned up");
        Assert.Equal(0, Backend.LiveContextCount);
        Assert.Equal(0UL, Backend.UsedBytes(0));
        Gpu.Synchronize();
        Assert.Equal(1, Backend.LiveContextCount);
    }

    [Fact]
    public async Task Garbage_instead_of_a_hello_is_refused()
    {
        await using var connection = await Transports.ConnectAsync(Server.Endpoints[0]);
        await connection.SendAsync(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 });
        var reply = await connection.ReceiveAsync();
        var welcome = ServerWelcome.Decode(reply.ToArray());
        Assert.Equal(HandshakeStatus.MalformedHello, welcome.Status);
        Assert.Contains("bad magic", welcome.Message, StringComparison.Ordinal);
        Gpu.Synchronize();
    }

    /// <summary>Reads until the server's session-ended record, then expects the connection to end.</summary>
    private static async Task<string> ReadSessionEndAsync(TransportConnection connection)
    {
        var message = (await connection.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).ToArray();
        var reason = Parse(message);
        await Assert.ThrowsAsync<TransportException>(async () => await connection.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        return reason;
    }

    private static string Parse(byte[] message)
    {
        var reader = new ProtocolReader(message);
        var header = ReplyHeader.Read(ref reader);
        Assert.Equal(ReplyKind.SessionEnded, header.Kind);
        return reader.ReadString(ProtocolLimits.MaxTextBytes);
    }
}
