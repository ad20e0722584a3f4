using System.Buffers;
using K4os.Compression.LZ4;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.InMemory;
using Orion.Transport.Tcp;

using static Orion.Cuda.Remote.Tests.RawRecords;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Compressed chunks as the wire carries them (docs/protocol.md, <i>Compressed chunks</i>): a header whose lengths are
/// checked before anything else is read, then an LZ4 block or the chunk as it is. A bad header or block ends the session
/// that sent it, with a clear reason; the server goes on serving others, and a client gives up a server that sends one.
/// </summary>
public sealed class CompressedChunkTests : RemoteCudaTestBase
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);

    [Fact]
    public async Task A_raw_peer_speaking_compressed_chunks_by_hand_is_understood()
    {
        await using var raw = await OpenCompressedSessionAsync();
        var address = await AllocateAsync(raw, 2 * ChunkBytes);
        // One chunk compressed, one as it is.
        var data = new byte[2 * ChunkBytes];
        data.AsSpan(ChunkBytes).Fill(7);
        new Random(3).NextBytes(data.AsSpan(0, ChunkBytes / 2));
        await raw.SendAsync(Record(Opcode.CopyHostToDevice, [.. U64(address), .. U64((ulong)data.Length)], requestId: 2));
        await SendChunkAsync(raw, data.AsMemory(0, ChunkBytes), compress: true);
        await SendChunkAsync(raw, data.AsMemory(ChunkBytes), compress: false);
        Assert.Equal(CudaStatus.Success, (await ReplyAsync(raw, 2)).Status);

        var back = new byte[data.Length];
        await raw.SendAsync(Record(Opcode.CopyDeviceToHost, [.. U64(address), .. U64((ulong)data.Length)], requestId: 3));
        Assert.Equal(CudaStatus.Success, (await ReplyAsync(raw, 3)).Status);
        for (var offset = 0; offset < data.Length; offset += ChunkBytes)
        {
            await ReceiveChunkAsync(raw, back.AsMemory(offset, ChunkBytes));
        }
        Assert.Equal(data, back);
    }

    public static TheoryData<string, int, int, bool> MalformedChunks => new()
    {
        // reason, original length in the header, stored length, whether the block is garbage
        { "the chunk holds 65536 bytes, its header says 65535", 64 * 1024 - 1, 100, false },
        { "the chunk holds 65536 bytes, its header says 1073741824", 1 << 30, 100, false },
        { "a compressed block of 65536 bytes for a chunk of 65536", 64 * 1024, 64 * 1024, false },
        { "a compressed block of 4294967295 bytes", 64 * 1024, -1, false },
        { "malformed compressed chunk", 64 * 1024, 1000, true },
    };

    [Theory]
    [MemberData(nameof(MalformedChunks))]
    public async Task A_malformed_compressed_chunk_ends_that_session_only(string expectedReason, int original, int stored, bool garbage)
    {
        await using var raw = await OpenCompressedSessionAsync();
        var address = await AllocateAsync(raw, ChunkBytes);
        await raw.SendAsync(Record(Opcode.CopyHostToDevice, [.. U64(address), .. U64((ulong)ChunkBytes)], requestId: 2));
        await raw.SendBulkAsync(Header((uint)original, (uint)stored));
        if (garbage)
        {
            var block = new byte[stored];
            new Random(5).NextBytes(block);
            block[0] = 0xFF; // a literal run longer than the block: never valid LZ4
            await raw.SendBulkAsync(block);
        }
        var reason = await ReadSessionEndAsync(raw);
        Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
        await WaitUntilAsync(() => Server.Sessions.Count == 1, "the malformed session was cleaned up");
        using var buffer = Gpu.Upload<int>([1, 2, 3]);
        Assert.Equal(new[] { 1, 2, 3 }, buffer.ToArray());
    }

    [Fact]
    public async Task A_malformed_chunk_of_a_call_that_failed_still_ends_the_session()
    {
        await using var raw = await OpenCompressedSessionAsync();
        // An address the session does not hold: the call fails, and its data is dropped, but still checked.
        await raw.SendAsync(Record(Opcode.CopyHostToDevice, [.. U64(0xDEAD0000), .. U64((ulong)ChunkBytes)], requestId: 2));
        await raw.SendBulkAsync(Header((uint)ChunkBytes, 50));
        await raw.SendBulkAsync(Enumerable.Repeat((byte)0xFF, 50).ToArray());
        var reason = await ReadSessionEndAsync(raw);
        Assert.Contains("malformed compressed chunk", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_gives_up_a_server_that_sends_a_malformed_compressed_chunk_without_writing_past_its_buffer()
    {
        var transports = new TransportFactory().Add(new InMemoryTransport());
        var endpoint = new TransportEndpoint(InMemoryTransport.Scheme, "hostile-" + Guid.NewGuid().ToString("N"), 0);
        await using var listener = await transports.ListenAsync(endpoint);
        const int chunk = ProtocolLimits.MinChunkBytes;
        var server = Task.Run(async () =>
        {
            await using var connection = await listener.AcceptAsync();
            await connection.ReceiveAsync(); // hello
            using var writer = new ProtocolWriter();
            new ServerWelcome(HandshakeStatus.Accepted, ProtocolLimits.Version, ProtocolFeatures.CompressedChunks | ProtocolFeatures.CompressEveryChunk,
                "", 1, "hostile", chunk, 13000, []).Encode(writer);
            await connection.SendAsync(writer.WrittenMemory);
            var request = (await connection.ReceiveAsync()).ToArray();
            var reader = new ProtocolReader(request);
            var header = RequestHeader.Read(ref reader);
            writer.Clear();
            var start = ReplyHeader.BeginRecord(writer, ReplyKind.Reply, header.RequestId, CudaStatus.Success, CudaStatus.Success);
            writer.WriteUInt64(chunk);
            ReplyHeader.EndRecord(writer, start);
            try
            {
                await connection.SendAsync(writer.WrittenMemory);
                // A block that claims to be the chunk but decodes to far more (a run of zeros twice the chunk).
                var bomb = new byte[LZ4Codec.MaximumOutputSize(2 * chunk)];
                var length = LZ4Codec.Encode(new byte[2 * chunk], bomb);
                await connection.SendBulkAsync(Header(chunk, (uint)length));
                await connection.SendBulkAsync(bomb.AsMemory(0, length));
                await connection.ReceiveAsync(); // until the client gives up
            }
            catch (TransportException)
            {
            }
        });
        await using var client = await RemoteCudaClient.ConnectAsync(transports, endpoint, new RemoteCudaClientOptions { Compression = ChunkCompression.On });
        Assert.Equal(ChunkCompression.On, client.Compression);
        var buffer = new byte[chunk + 4096];
        Array.Fill(buffer, (byte)0xAB);
        unsafe
        {
            fixed (byte* destination = buffer)
            {
                Assert.Equal(RemoteCudaClient.ConnectionLost, client.CopyDeviceToHost((nint)destination, 0x1000, chunk));
            }
        }
        Assert.Contains("malformed compressed chunk", client.FailureReason, StringComparison.Ordinal);
        Assert.True(buffer.AsSpan(chunk).IndexOfAnyExcept((byte)0xAB) < 0, "the client wrote past the chunk");
        await server.WaitAsync(Timeout);
    }

    private async Task<TransportConnection> OpenCompressedSessionAsync()
    {
        var connection = await Transports.ConnectAsync(Server.Endpoints[0]);
        using var hello = new ProtocolWriter();
        new ClientHello(ProtocolLimits.Version, ProtocolFeatures.CompressedChunks | ProtocolFeatures.CompressEveryChunk, "", "compressed-raw").Encode(hello);
        await connection.SendAsync(hello.WrittenMemory);
        var welcome = ServerWelcome.Decode((await connection.ReceiveAsync()).ToArray());
        Assert.Equal(HandshakeStatus.Accepted, welcome.Status);
        Assert.Equal(ProtocolFeatures.CompressedChunks | ProtocolFeatures.CompressEveryChunk,
            welcome.Features & (ProtocolFeatures.CompressedChunks | ProtocolFeatures.CompressEveryChunk));
        return connection;
    }

    private static async Task<ulong> AllocateAsync(TransportConnection raw, int bytes)
    {
        await raw.SendAsync(Record(Opcode.Allocate, U64((ulong)bytes), requestId: 1));
        return new ProtocolReader((await ReplyAsync(raw, 1)).Body).ReadUInt64();
    }

    private static async Task SendChunkAsync(TransportConnection raw, ReadOnlyMemory<byte> chunk, bool compress)
    {
        if (!compress)
        {
            await raw.SendBulkAsync(Header((uint)chunk.Length, 0));
            await raw.SendBulkAsync(chunk);
            return;
        }
        var block = new byte[LZ4Codec.MaximumOutputSize(chunk.Length)];
        var length = LZ4Codec.Encode(chunk.Span, block);
        Assert.InRange(length, 1, chunk.Length - 1);
        await raw.SendBulkAsync(Header((uint)chunk.Length, (uint)length));
        await raw.SendBulkAsync(block.AsMemory(0, length));
    }

    private static async Task ReceiveChunkAsync(TransportConnection raw, Memory<byte> destination)
    {
        var headerBytes = new byte[ChunkHeader.Bytes];
        await raw.ReceiveBulkAsync(headerBytes).AsTask().WaitAsync(Timeout);
        var header = ChunkHeader.Read(headerBytes, destination.Length);
        if (!header.IsCompressed)
        {
            await raw.ReceiveBulkAsync(destination).AsTask().WaitAsync(Timeout);
            return;
        }
        var block = new byte[header.StoredBytes];
        await raw.ReceiveBulkAsync(block).AsTask().WaitAsync(Timeout);
        header.Decompress(block, destination.Span);
    }

    /// <summary>A chunk header with whatever lengths a test wants.</summary>
    private static byte[] Header(uint original, uint stored) => [.. U32(original), .. U32(stored)];

    private static async Task<(CudaStatus Status, byte[] Body)> ReplyAsync(TransportConnection raw, uint requestId)
    {
        var message = (await raw.ReceiveAsync().AsTask().WaitAsync(Timeout)).ToArray();
        var reader = new ProtocolReader(message);
        var header = ReplyHeader.Read(ref reader);
        Assert.Equal(ReplyKind.Reply, header.Kind);
        Assert.Equal(requestId, header.RequestId);
        return (header.Status, reader.ReadSpan(header.BodyLength).ToArray());
    }

    /// <summary>Reads until the server's session-ended record, then expects the connection to end.</summary>
    private static async Task<string> ReadSessionEndAsync(TransportConnection connection)
    {
        var message = (await connection.ReceiveAsync().AsTask().WaitAsync(Timeout)).ToArray();
        var reader = new ProtocolReader(message);
        var header = ReplyHeader.Read(ref reader);
        Assert.Equal(ReplyKind.SessionEnded, header.Kind);
        var reason = reader.ReadString(ProtocolLimits.MaxTextBytes);
        await Assert.ThrowsAsync<TransportException>(async () => await connection.ReceiveAsync().AsTask().WaitAsync(Timeout));
        return reason;
    }
}
