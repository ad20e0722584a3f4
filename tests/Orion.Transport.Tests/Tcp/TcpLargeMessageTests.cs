using System.Buffers;
using System.Runtime.InteropServices;
using Orion.Transport.Streams;
using Orion.Transport.Tcp;

namespace Orion.Transport.Tests.Tcp;

/// <summary>The TCP paths for frames larger than the coalescing and read-segment sizes: a vectored
/// send of header and payload, and a large message read straight from the socket into one buffer.</summary>
public sealed class TcpLargeMessageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Large_messages_arrive_intact_in_order_and_contiguous_between_small_ones()
    {
        int[] sizes = [64 * 1024, 17, 64 * 1024 + 8, 0, 1024 * 1024, 3, 3 * 1024 * 1024 + 5, 64 * 1024 - 8, 200_000];
        await using var pair = await ConnectAsync();
        var messages = sizes.Select((size, i) => Pattern(size, seed: i)).ToArray();
        var send = Task.Run(async () =>
        {
            foreach (var message in messages)
            {
                await pair.Client.SendAsync(message);
            }
        });

        for (var i = 0; i < messages.Length; i++)
        {
            var received = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout);
            Assert.Equal(messages[i].Length, received.Length);
            Assert.True(received.ToArray().AsSpan().SequenceEqual(messages[i]), $"message {i} ({sizes[i]} bytes) differs");
            if (messages[i].Length > 64 * 1024)
            {
                Assert.True(received.IsSingleSegment, $"message {i} ({sizes[i]} bytes) arrived in several segments");
            }
        }
        await send.WaitAsync(Timeout);
        // Most of the large payloads bypassed the input reader.
        var direct = ((TcpConnection)pair.Server).BytesReadDirect;
        Assert.True(direct >= 3 * 1024 * 1024, $"only {direct} bytes took the direct path");
    }

    [Fact]
    public async Task Large_message_stays_valid_until_the_next_receive_and_the_buffer_is_reused()
    {
        await using var pair = await ConnectAsync();
        var first = Pattern(512 * 1024, seed: 1);
        var second = Pattern(256 * 1024, seed: 2);
        var send = Task.Run(async () =>
        {
            await pair.Client.SendAsync(first);
            await pair.Client.SendAsync(second);
            await pair.Client.SendAsync(new byte[1]);
        });

        var received = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout);
        // Give the sender time to queue the next message behind it: it must not overwrite this one.
        await Task.Delay(100);
        Assert.True(received.ToArray().AsSpan().SequenceEqual(first));
        var receivedSecond = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout);
        Assert.True(receivedSecond.ToArray().AsSpan().SequenceEqual(second));
        Assert.Equal(1, (await pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout)).Length);
        await send.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Large_payload_in_native_memory_is_sent_intact_without_the_vectored_path()
    {
        const int size = 300 * 1024;
        await using var pair = await ConnectAsync();
        using var native = new NativeMemoryManager(size);
        var expected = Pattern(size, seed: 9);
        expected.CopyTo(native.GetSpan());

        var send = Task.Run(async () =>
        {
            await pair.Client.SendAsync(native.Memory);
            await pair.Client.SendBulkAsync(native.Memory);
        });
        var message = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout);
        Assert.True(message.ToArray().AsSpan().SequenceEqual(expected));
        var bulk = new byte[size];
        await pair.Server.ReceiveBulkAsync(bulk).AsTask().WaitAsync(Timeout);
        Assert.True(bulk.AsSpan().SequenceEqual(expected));
        await send.WaitAsync(Timeout);
    }

    [Fact]
    public async Task Large_message_cut_off_by_the_peer_is_a_reset_not_a_hang()
    {
        await using var pair = await ConnectAsync();
        var receive = pair.Server.ReceiveAsync().AsTask();
        // A header announcing 1 MiB, then only part of the payload, then the peer vanishes.
        var socket = ((TcpConnection)pair.Client).Socket;
        var partial = new byte[8 + 100_000];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(partial, 1024 * 1024);
        partial[4] = 1; // StreamFrameKind.Message
        await socket.SendAsync(partial);
        pair.Client.Abort("test: peer vanishes mid-message");

        var failure = await Assert.ThrowsAsync<TransportException>(() => receive.WaitAsync(Timeout));
        Assert.Equal(TransportError.ConnectionReset, failure.Error);
    }

    [Fact]
    public async Task A_peer_trickling_a_large_message_does_not_outlive_a_synchronous_receives_token()
    {
        // The hello timeout's case: a header announcing 1 MiB, more than the input buffer holds (so the rest
        // is read straight from the socket), then a byte about every millisecond from a thread of its own, never
        // quiet long enough for the reader's poll (100 ms slices) to time out.
        await using var pair = await ConnectAsync();
        var socket = ((TcpConnection)pair.Client).Socket;
        var start = new byte[8 + 70_000];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(start, 1024 * 1024);
        start[4] = 1; // StreamFrameKind.Message
        await socket.SendAsync(start);
        using var trickling = new CancellationTokenSource();
        var trickle = Task.Factory.StartNew(() =>
        {
            var one = new byte[1];
            while (!trickling.IsCancellationRequested)
            {
                socket.Send(one);
                Thread.Sleep(1);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var receive = Task.Factory.StartNew(() => pair.Server.Receive(timeout.Token).Length, CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(Timeout));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"the receive ended {stopwatch.Elapsed} after it began; its token fired at 0.3 s");
        await trickling.CancelAsync();
        await Record.ExceptionAsync(() => trickle);
    }

    [Theory]
    [InlineData(63_000, 62_000)] // most of the input buffer holds the front of one frame
    [InlineData(64 * 1024 - 8, 65_000)] // the largest frame that goes through the input buffer
    public async Task A_message_near_the_input_buffer_size_arriving_in_two_parts_is_reassembled(int size, int firstPart)
    {
        await using var pair = await RawTcpPair.ConnectAsync(Timeout);
        var payload = Pattern(size, seed: 5);
        var frame = new byte[StreamFrameHeader.Size + size];
        new StreamFrameHeader(StreamFrameKind.Message, (uint)size).Write(frame);
        payload.CopyTo(frame, StreamFrameHeader.Size);
        var receive = pair.Server.ReceiveAsync().AsTask();
        await pair.Raw.SendAsync(frame.AsMemory(0, firstPart));
        await Task.Delay(200); // the server reads the first part on its own
        await pair.Raw.SendAsync(frame.AsMemory(firstPart));

        var received = await receive.WaitAsync(Timeout);
        Assert.True(received.ToArray().AsSpan().SequenceEqual(payload));
    }

    [Fact]
    public async Task Dispose_with_a_receive_pending_finishes_although_the_peer_never_closes()
    {
        // The peer is alive but silent: the graceful close cannot wait for its end of stream, and
        // the drain's own timeout (not the cancelled receive's) must end it.
        await using var pair = await RawTcpPair.ConnectAsync(Timeout);
        var server = pair.Server;
        var receive = server.ReceiveAsync().AsTask();

        var dispose = server.DisposeAsync().AsTask();
        await dispose.WaitAsync(TimeSpan.FromSeconds(15));
        var failure = await Assert.ThrowsAsync<TransportException>(() => receive.WaitAsync(Timeout));
        Assert.Equal(TransportError.ConnectionAborted, failure.Error);
    }

    private static byte[] Pattern(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Task<TcpPair> ConnectAsync() => TcpPair.ConnectAsync(new TransportOptions(), Timeout);

    /// <summary>Memory that is not an array, so the sender cannot use its vectored array path.</summary>
    private sealed unsafe class NativeMemoryManager(int length) : MemoryManager<byte>
    {
        private readonly byte* _pointer = (byte*)NativeMemory.Alloc((nuint)length);

        public override Span<byte> GetSpan() => new(_pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing) => NativeMemory.Free(_pointer);
    }
}
