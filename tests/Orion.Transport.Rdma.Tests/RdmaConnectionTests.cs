using System.Buffers;
using System.Runtime.InteropServices;

namespace Orion.Transport.Rdma.Tests;

/// <summary>The transport's own logic over the software provider: framing, credits, slots, errors.</summary>
public sealed class RdmaConnectionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(40)]      // inline SEND
    [InlineData(200)]     // SEND through a registered send buffer
    [InlineData(240)]     // exactly fills the peer's receive buffer with the header
    [InlineData(241)]     // one byte too many for a SEND: RDMA WRITE into one slot
    [InlineData(50_000)]  // many slots, reused round-robin
    public async Task Messages_of_every_path_arrive_intact(int size)
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        var message = Pattern(size, seed: size);
        await pair.Client.SendAsync(message).AsTask().WaitAsync(Patience);
        var received = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(message, received.ToArray());
    }

    [Fact]
    public async Task Many_messages_both_ways_keep_order_while_credits_cycle()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        const int count = 500; // far more than the 8 receive credits and 4 send buffers
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await pair.Client.SendAsync(Pattern(i % 300, i));
            }
        });
        var echo = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                var message = await pair.Server.ReceiveAsync();
                await pair.Server.SendAsync(message.ToArray());
            }
        });
        for (var i = 0; i < count; i++)
        {
            var reply = await pair.Client.ReceiveAsync().AsTask().WaitAsync(Patience);
            Assert.Equal(Pattern(i % 300, i), reply.ToArray());
        }
        await Task.WhenAll(sender, echo).WaitAsync(Patience);
    }

    [Fact]
    public async Task A_slow_reader_stops_the_sender_at_its_credits_and_releases_it_when_reading()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        var sent = 0;
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await pair.Client.SendAsync(Pattern(100, i));
                Interlocked.Increment(ref sent);
            }
        });
        await Task.Delay(300);
        // 8 receive credits, one reserved for credit returns: the sender stalls at 7.
        Assert.Equal(7, Volatile.Read(ref sent));
        Assert.False(sender.IsCompleted);
        for (var i = 0; i < 50; i++)
        {
            var message = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience);
            Assert.Equal(Pattern(100, i), message.ToArray());
        }
        await sender.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_staged_transfer_never_frees_a_slot_ahead_of_one_the_reader_still_holds()
    {
        // Staging budget 4 KiB, slots of 8 KiB: A (5000 B) is too big to stage and waits in slot 0
        // for the reader; B and C would be staged. Freeing B's slot 1 early would hand slot 0 to C.
        var settings = SoftwareConnections.Small with { SlotSize = 8192 };
        await using var pair = await SoftwareConnections.CreateAsync(settings, TransportOptions.Default with { MaxPendingSendBytes = 4096 });
        var a = Pattern(5000, 1);
        var b = Pattern(300, 2);
        var c = Pattern(300, 3);
        var sender = Task.Run(async () =>
        {
            await pair.Client.SendAsync(a);
            await pair.Client.SendAsync(b);
            await pair.Client.SendAsync(c);
        });
        await Task.Delay(200);
        Assert.Equal(a, (await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience)).ToArray());
        Assert.Equal(b, (await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience)).ToArray());
        Assert.Equal(c, (await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience)).ToArray());
        await sender.WaitAsync(Patience);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]       // exactly one slot
    [InlineData(100_000)]    // 25 chunks through 2 slots: slot reuse under credit control
    public async Task Bulk_transfers_land_in_the_destination(int size)
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        var data = Pattern(size, 7);
        var send = pair.Client.SendBulkAsync(data).AsTask();
        var destination = new byte[size];
        await pair.Server.ReceiveBulkAsync(destination).AsTask().WaitAsync(Patience);
        await send.WaitAsync(Patience);
        Assert.Equal(data, destination);
    }

    [Fact]
    public async Task Small_bulk_transfers_go_in_one_send_and_complete_without_waiting_for_the_peer()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        // 240 B + the 16 B header fill one 256 B receive buffer. Copied into a SEND, the call is done
        // at once: it waits neither for a write completion nor for a slot credit (a regression here
        // made a 64 B SendBulkAsync cost a progress-thread hand-off, ~150 us).
        var sizes = new[] { 1, 64, 240, 1, 64, 240 };
        foreach (var (size, i) in sizes.Select((size, i) => (size, i)))
        {
            Assert.True(pair.Client.SendBulkAsync(Pattern(size, i)).AsTask().IsCompletedSuccessfully, $"bulk {i} of {size} B waited");
        }
        Assert.Equal(0, pair.ClientConnection.Registrations.Misses); // no slot write, so nothing registered
        foreach (var (size, i) in sizes.Select((size, i) => (size, i)))
        {
            var destination = new byte[size];
            await pair.Server.ReceiveBulkAsync(destination).AsTask().WaitAsync(Patience);
            Assert.Equal(Pattern(size, i), destination);
        }
        // A small bulk transfer is not a message, and the wrong size is refused.
        await pair.Client.SendBulkAsync(new byte[10]);
        var wrongSize = await Assert.ThrowsAsync<TransportException>(() => pair.Server.ReceiveBulkAsync(new byte[11]).AsTask().WaitAsync(Patience));
        Assert.Equal(TransportError.UnexpectedFrame, wrongSize.Error);
    }

    [Fact]
    public async Task Messages_and_bulk_transfers_interleave_in_order()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        var sender = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await pair.Client.SendAsync(BitConverter.GetBytes(i));
                await pair.Client.SendBulkAsync(Pattern(9000 + i, i));
            }
        });
        for (var i = 0; i < 20; i++)
        {
            var header = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience);
            Assert.Equal(i, BitConverter.ToInt32(header.ToArray()));
            var bulk = new byte[9000 + i];
            await pair.Server.ReceiveBulkAsync(bulk).AsTask().WaitAsync(Patience);
            Assert.Equal(Pattern(9000 + i, i), bulk);
        }
        await sender.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_bulk_receive_of_the_wrong_length_is_an_unexpected_frame()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        _ = pair.Client.SendBulkAsync(new byte[5000]).AsTask();
        var error = await Assert.ThrowsAsync<TransportException>(() => pair.Server.ReceiveBulkAsync(new byte[4000]).AsTask().WaitAsync(Patience));
        Assert.Equal(TransportError.UnexpectedFrame, error.Error);
    }

    [Fact]
    public async Task A_message_where_bulk_is_expected_is_an_unexpected_frame()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        await pair.Client.SendAsync(new byte[10]);
        var error = await Assert.ThrowsAsync<TransportException>(() => pair.Server.ReceiveBulkAsync(new byte[10]).AsTask().WaitAsync(Patience));
        Assert.Equal(TransportError.UnexpectedFrame, error.Error);
    }

    [Fact]
    public async Task Sending_above_the_message_limit_is_refused_before_anything_is_sent()
    {
        await using var pair = await SoftwareConnections.CreateAsync(options: TransportOptions.Default with { MaxMessageSize = 1000 });
        var error = await Assert.ThrowsAsync<TransportException>(() => pair.Client.SendAsync(new byte[1001]).AsTask());
        Assert.Equal(TransportError.FrameTooLarge, error.Error);
        await pair.Client.SendAsync(new byte[1000]);
        Assert.Equal(1000, (await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience)).Length);
    }

    [Fact]
    public async Task A_graceful_close_delivers_what_was_sent_then_reports_closed()
    {
        var pair = await SoftwareConnections.CreateAsync();
        await pair.Client.SendAsync(new byte[] { 1, 2, 3 });
        await pair.Client.DisposeAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(new byte[] { 1, 2, 3 }, (await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience)).ToArray());
        var error = await Assert.ThrowsAsync<TransportException>(() => pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience));
        Assert.Equal(TransportError.ConnectionClosed, error.Error);
        Assert.Equal(TransportError.ConnectionClosed, await pair.Server.Closed.WaitAsync(Patience));
        var again = await Assert.ThrowsAsync<TransportException>(() => pair.Server.SendAsync(new byte[1]).AsTask());
        Assert.Equal(TransportError.ConnectionClosed, again.Error);
        await pair.DisposeAsync();
    }

    [Fact]
    public async Task An_abort_reaches_the_peer_as_a_reset_and_fails_a_blocked_receive()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        var pending = pair.Server.ReceiveAsync().AsTask();
        pair.Client.Abort("test");
        var error = await Assert.ThrowsAsync<TransportException>(() => pending.WaitAsync(Patience));
        Assert.Equal(TransportError.ConnectionReset, error.Error);
        Assert.Equal(TransportError.ConnectionAborted, await pair.Client.Closed.WaitAsync(Patience));
        var local = await Assert.ThrowsAsync<TransportException>(() => pair.Client.SendAsync(new byte[1]).AsTask());
        Assert.Equal(TransportError.ConnectionAborted, local.Error);
    }

    [Fact]
    public async Task An_abort_fails_a_sender_blocked_on_credits()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        var sender = Task.Run(async () =>
        {
            while (true)
            {
                await pair.Client.SendAsync(new byte[100]);
            }
        });
        await Task.Delay(200);
        pair.Server.Abort("reader gave up");
        var error = await Assert.ThrowsAsync<TransportException>(() => sender.WaitAsync(Patience));
        Assert.Equal(TransportError.ConnectionReset, error.Error);
    }

    [Fact]
    public async Task A_silent_peer_ends_the_connection_with_a_timeout()
    {
        var options = TransportOptions.Default with { IdleTimeout = TimeSpan.FromMilliseconds(300), KeepAliveInterval = Timeout.InfiniteTimeSpan };
        await using var pair = await SoftwareConnections.CreateAsync(options: options);
        Assert.Equal(TransportError.Timeout, await pair.Server.Closed.WaitAsync(Patience));
    }

    [Fact]
    public async Task Keepalives_hold_an_idle_connection_open()
    {
        var options = TransportOptions.Default with { IdleTimeout = TimeSpan.FromMilliseconds(600), KeepAliveInterval = TimeSpan.FromMilliseconds(100) };
        await using var pair = await SoftwareConnections.CreateAsync(options: options);
        await Task.Delay(1500);
        Assert.False(pair.Server.Closed.IsCompleted);
        await pair.Client.SendAsync(new byte[] { 42 });
        Assert.Equal(42, (await pair.Server.ReceiveAsync().AsTask().WaitAsync(Patience)).FirstSpan[0]);
    }

    [Fact]
    public async Task Native_buffers_are_registered_once_and_reused_from_the_cache()
    {
        await using var pair = await SoftwareConnections.CreateAsync();
        using var native = new NativeBuffer(20_000);
        Pattern(20_000, 3).CopyTo(native.Memory.Span);
        var cache = pair.ClientConnection.Registrations;
        for (var i = 0; i < 3; i++)
        {
            var send = pair.Client.SendBulkAsync(native.Memory).AsTask();
            var destination = new byte[20_000];
            await pair.Server.ReceiveBulkAsync(destination).AsTask().WaitAsync(Patience);
            await send.WaitAsync(Patience);
            Assert.Equal(Pattern(20_000, 3), destination);
        }
        Assert.Equal((1, 2, 1), (cache.Misses, cache.Hits, cache.Count));

        // A GC array is pinned only for one call, so it is registered per call and never cached.
        var array = Pattern(20_000, 4);
        var arraySend = pair.Client.SendBulkAsync(array).AsTask();
        await pair.Server.ReceiveBulkAsync(new byte[20_000]).AsTask().WaitAsync(Patience);
        await arraySend.WaitAsync(Patience);
        Assert.Equal((2, 1), (cache.Misses, cache.Count));
    }

    [Fact]
    public async Task Ends_with_different_pool_sizes_each_respect_the_smaller_receive_buffers()
    {
        var server = RdmaTransport.CreateSoftware(SoftwareConnections.Small with { ReceiveBufferSize = 4096, ReceiveBufferCount = 16, SlotCount = 3 });
        var client = RdmaTransport.CreateSoftware(SoftwareConnections.Small);
        await using var listener = await server.ListenAsync(new TransportEndpoint(RdmaTransport.SoftwareScheme, "localhost", 0), TransportOptions.Default);
        var accept = listener.AcceptAsync().AsTask();
        await using var near = await client.ConnectAsync(listener.Endpoint, TransportOptions.Default);
        await using var far = await accept.WaitAsync(Patience);
        foreach (var size in new[] { 200, 1000, 30_000 })
        {
            await far.SendAsync(Pattern(size, size)).AsTask().WaitAsync(Patience);
            Assert.Equal(Pattern(size, size), (await near.ReceiveAsync().AsTask().WaitAsync(Patience)).ToArray());
            await near.SendAsync(Pattern(size, -size)).AsTask().WaitAsync(Patience);
            Assert.Equal(Pattern(size, -size), (await far.ReceiveAsync().AsTask().WaitAsync(Patience)).ToArray());
        }
    }

    [Fact]
    public async Task Connecting_where_nobody_listens_fails_with_connect_failed()
    {
        var transport = RdmaTransport.CreateSoftware(SoftwareConnections.Small);
        var error = await Assert.ThrowsAsync<TransportException>(() =>
            transport.ConnectAsync(TransportEndpoint.Parse("rdma+soft://localhost:1"), TransportOptions.Default).AsTask());
        Assert.Equal(TransportError.ConnectFailed, error.Error);
    }

    internal static byte[] Pattern(int size, int seed)
    {
        var data = new byte[size];
        for (var i = 0; i < size; i++)
        {
            data[i] = (byte)(i * 31 + seed);
        }
        return data;
    }

    /// <summary>Unmanaged memory as a <see cref="Memory{T}"/>, the kind the registration cache keeps.</summary>
    private sealed unsafe class NativeBuffer(int length) : MemoryManager<byte>
    {
        private readonly byte* _pointer = (byte*)NativeMemory.Alloc((nuint)length);

        public override Span<byte> GetSpan() => new(_pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin() { }

        protected override void Dispose(bool disposing) => NativeMemory.Free(_pointer);
    }
}
