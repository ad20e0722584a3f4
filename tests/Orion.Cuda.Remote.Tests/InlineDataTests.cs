using System.Buffers;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;
using Orion.Transport.Tcp;

using static Orion.Cuda.Remote.Tests.RawRecords;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Small copies travel inside their records (<see cref="ProtocolLimits.MaxInlineDataBytes"/>): host-to-device
/// data in the request, device-to-host data in the reply, so a small read costs one frame each way. Larger
/// data still moves as bulk beside its record. Spoken raw, below the client library, to see the frames.
/// </summary>
public sealed class InlineDataTests : RemoteCudaTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);

    [Fact]
    public async Task Small_copies_travel_inside_their_records_and_large_ones_beside_them_as_bulk()
    {
        await using var raw = await OpenRawSessionAsync("inline-test");
        await raw.SendAsync(Record(Opcode.Allocate, U64(256 * 1024), requestId: 1));
        var allocated = await ReplyAsync(raw, 1);
        var address = new ProtocolReader(allocated.Body).ReadUInt64();

        // Small host-to-device data: the record carries it, no bulk follows.
        byte[] small = [1, 2, 3, 4, 5, 6, 7, 8];
        await raw.SendAsync(Record(Opcode.CopyHostToDevice, [.. U64(address), .. U64((ulong)small.Length), .. small], requestId: 2));
        Assert.Equal(CudaStatus.Success, (await ReplyAsync(raw, 2)).Status);

        // Small device-to-host data: the reply's body is the count, then the bytes themselves.
        await raw.SendAsync(Record(Opcode.CopyDeviceToHost, [.. U64(address), .. U64((ulong)small.Length)], requestId: 3));
        var read = await ReplyAsync(raw, 3);
        Assert.Equal([.. U64((ulong)small.Length), .. small], read.Body);

        // The largest inline size still goes inline; one byte more goes as bulk, both ways.
        foreach (var size in new[] { ProtocolLimits.MaxInlineDataBytes, ProtocolLimits.MaxInlineDataBytes + 1 })
        {
            var data = new byte[size];
            Random.Shared.NextBytes(data);
            var inline = size <= ProtocolLimits.MaxInlineDataBytes;
            await raw.SendAsync(Record(Opcode.CopyHostToDevice, [.. U64(address), .. U64((ulong)size), .. (inline ? data : [])], requestId: 4));
            if (!inline)
            {
                await raw.SendBulkAsync(data);
            }
            Assert.Equal(CudaStatus.Success, (await ReplyAsync(raw, 4)).Status);
            await raw.SendAsync(Record(Opcode.CopyDeviceToHost, [.. U64(address), .. U64((ulong)size)], requestId: 5));
            var back = await ReplyAsync(raw, 5);
            Assert.Equal((ulong)size, new ProtocolReader(back.Body).ReadUInt64());
            if (inline)
            {
                Assert.Equal(data, back.Body[sizeof(ulong)..]);
            }
            else
            {
                Assert.Equal(sizeof(ulong), back.Body.Length);
                var bulk = new byte[size];
                await raw.ReceiveBulkAsync(bulk).AsTask().WaitAsync(Timeout);
                Assert.Equal(data, bulk);
            }
        }
    }

    [Fact]
    public async Task A_small_copy_that_fails_is_answered_with_its_error_and_no_data()
    {
        await using var raw = await OpenRawSessionAsync("inline-test");
        await raw.SendAsync(Record(Opcode.Allocate, U64(4096), requestId: 1));
        await ReplyAsync(raw, 1);
        // An address the session does not hold: refused before anything is read or sent.
        await raw.SendAsync(Record(Opcode.CopyDeviceToHost, [.. U64(0xDEAD0000), .. U64(16)], requestId: 2));
        var refused = await ReplyAsync(raw, 2);
        Assert.NotEqual(CudaStatus.Success, refused.Status);
        Assert.Equal(U64(0), refused.Body);
        // Its inline data is consumed with the record: the session stays in step.
        await raw.SendAsync(Record(Opcode.CopyHostToDevice, [.. U64(0xDEAD0000), .. U64(4), 9, 9, 9, 9], requestId: 3));
        Assert.NotEqual(CudaStatus.Success, (await ReplyAsync(raw, 3)).Status);
        await raw.SendAsync(Record(Opcode.SynchronizeDevice, [], requestId: 4));
        Assert.Equal(CudaStatus.Success, (await ReplyAsync(raw, 4)).Status);
    }

    private static async Task<(CudaStatus Status, byte[] Body)> ReplyAsync(TransportConnection raw, uint requestId)
    {
        var message = (await raw.ReceiveAsync().AsTask().WaitAsync(Timeout)).ToArray();
        var reader = new ProtocolReader(message);
        var header = ReplyHeader.Read(ref reader);
        Assert.Equal(ReplyKind.Reply, header.Kind);
        Assert.Equal(requestId, header.RequestId);
        var body = reader.ReadSpan(header.BodyLength).ToArray();
        Assert.True(reader.IsAtEnd, "the reply shares its message with another record");
        return (header.Status, body);
    }
}
