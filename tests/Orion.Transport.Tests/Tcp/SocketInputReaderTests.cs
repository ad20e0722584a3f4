using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Orion.Transport.Tcp;

namespace Orion.Transport.Tests.Tcp;

/// <summary>The TCP input reader on its own, over a raw loopback socket pair: the
/// <see cref="PipeReader"/> contract the framing layer relies on, including the cases a whole
/// connection rarely reaches (cancellation racing a receive, moving a partial frame to the front).</summary>
public sealed class SocketInputReaderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const int SmallBuffer = 8192; // the smallest the reader accepts: two minimum receives

    [Fact]
    public async Task Examined_bytes_make_the_next_read_wait_for_new_ones()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);

        sockets.Sender.Send("abc"u8);
        var first = await ReadAtLeastAsync(reader, 3);
        Assert.Equal("abc"u8.ToArray(), first.Buffer.ToArray());
        reader.AdvanceTo(first.Buffer.Start, first.Buffer.End); // nothing consumed, all examined

        var next = reader.ReadAsync().AsTask();
        await Task.Delay(100);
        Assert.False(next.IsCompleted); // waits: nothing new arrived

        sockets.Sender.Send("de"u8);
        var second = await next.WaitAsync(Timeout);
        Assert.Equal("abcde"u8.ToArray(), second.Buffer.ToArray()); // unconsumed bytes come again, in front
        reader.AdvanceTo(second.Buffer.End);
    }

    [Fact]
    public async Task Cancel_pending_read_releases_the_waiting_read_and_loses_nothing()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);

        var waiting = reader.ReadAsync().AsTask();
        await Task.Delay(50);
        reader.CancelPendingRead();
        var cancelled = await waiting.WaitAsync(Timeout);
        Assert.True(cancelled.IsCanceled);
        Assert.True(cancelled.Buffer.IsEmpty);
        reader.AdvanceTo(cancelled.Buffer.Start);

        // The socket receive started by the cancelled read is still in flight; the next read takes
        // its bytes over instead of starting a second receive.
        sockets.Sender.Send("late"u8);
        var next = await ReadAtLeastAsync(reader, 4);
        Assert.False(next.IsCanceled);
        Assert.Equal("late"u8.ToArray(), next.Buffer.ToArray());
    }

    [Fact]
    public async Task Cancel_before_a_read_cancels_that_read_once()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);
        sockets.Sender.Send("x"u8);

        reader.CancelPendingRead();
        var cancelled = await reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.True(cancelled.IsCanceled);
        reader.AdvanceTo(cancelled.Buffer.Start);

        var data = await ReadAtLeastAsync(reader, 1);
        Assert.False(data.IsCanceled);
        Assert.Equal("x"u8.ToArray(), data.Buffer.ToArray());
    }

    [Fact]
    public async Task A_cancelled_token_ends_that_read_only()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);

        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadAsync(cancellation.Token));

        sockets.Sender.Send("after"u8);
        var data = await ReadAtLeastAsync(reader, 5);
        Assert.Equal("after"u8.ToArray(), data.Buffer.ToArray());
    }

    [Fact]
    public async Task Peer_shutdown_completes_the_reader_with_what_was_buffered()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);
        sockets.Sender.Send("end"u8);
        sockets.Sender.Shutdown(SocketShutdown.Send);

        ReadResult result;
        do
        {
            result = await reader.ReadAsync().AsTask().WaitAsync(Timeout);
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        while (!result.IsCompleted);
        Assert.Equal("end"u8.ToArray(), result.Buffer.ToArray());
        // Completed stays completed: the next read returns at once.
        Assert.True((await reader.ReadAsync().AsTask().WaitAsync(Timeout)).IsCompleted);
    }

    [Fact]
    public async Task A_partial_frame_near_the_end_moves_to_the_front_intact()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);
        var bytes = new byte[9000];
        Random.Shared.NextBytes(bytes);

        // 6,000 bytes arrive; 5,000 are consumed and the last 1,000 kept (a partial frame). The 2,192
        // free bytes behind them are less than a worthwhile receive, so they move to the front.
        sockets.Sender.Send(bytes.AsSpan(0, 6000));
        var first = await ReadAtLeastAsync(reader, 6000);
        reader.AdvanceTo(first.Buffer.GetPosition(5000), first.Buffer.End);

        sockets.Sender.Send(bytes.AsSpan(6000, 3000));
        var second = await ReadAtLeastAsync(reader, 4000);
        Assert.Equal(bytes.AsSpan(5000, 4000).ToArray(), second.Buffer.ToArray());
        Assert.True(second.Buffer.IsSingleSegment);
        Assert.Equal(4000, reader.BufferedBytes);
    }

    [Fact]
    public async Task A_full_buffer_with_nothing_consumed_is_an_error_not_a_hang()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);
        sockets.Sender.Send(new byte[SmallBuffer]);

        var full = await ReadAtLeastAsync(reader, SmallBuffer);
        reader.AdvanceTo(full.Buffer.Start, full.Buffer.End);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await reader.ReadAsync());
        Assert.Contains("must be read directly", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Positions_from_another_buffer_or_going_backwards_are_refused()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);
        sockets.Sender.Send("0123456789"u8);
        var result = await ReadAtLeastAsync(reader, 10);

        var foreign = new ReadOnlySequence<byte>(new byte[10]);
        Assert.Throws<InvalidOperationException>(() => reader.AdvanceTo(foreign.GetPosition(2)));
        reader.AdvanceTo(result.Buffer.GetPosition(4), result.Buffer.GetPosition(6));
        Assert.Throws<InvalidOperationException>(() => reader.AdvanceTo(result.Buffer.GetPosition(2)));
        Assert.Equal(6, reader.BufferedBytes);
    }

    [Fact]
    public async Task A_second_concurrent_read_is_refused()
    {
        using var sockets = await SocketPair.ConnectAsync();
        var reader = new SocketInputReader(sockets.Receiver, SmallBuffer);
        var first = reader.ReadAsync().AsTask();
        // Refused at the call, before any task exists.
        Assert.Throws<InvalidOperationException>(() => ConsumeAtOnce(reader.ReadAsync()));
        sockets.Sender.Send("x"u8);
        Assert.Equal(1, (await first.WaitAsync(Timeout)).Buffer.Length);
    }

    private static void ConsumeAtOnce(ValueTask<ReadResult> read) => _ = read.IsCompleted;

    /// <summary>Reads until at least <paramref name="count"/> bytes are buffered, marking all examined
    /// between reads; returns the last result without advancing past it.</summary>
    private static async Task<ReadResult> ReadAtLeastAsync(SocketInputReader reader, int count)
    {
        while (true)
        {
            var result = await reader.ReadAsync().AsTask().WaitAsync(Timeout);
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                return result;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private sealed class SocketPair : IDisposable
    {
        private SocketPair(Socket sender, Socket receiver)
        {
            Sender = sender;
            Receiver = receiver;
        }

        public Socket Sender { get; }

        public Socket Receiver { get; }

        public static async Task<SocketPair> ConnectAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var sender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            var accept = listener.AcceptAsync();
            await sender.ConnectAsync(listener.LocalEndPoint!);
            return new SocketPair(sender, await accept.WaitAsync(Timeout));
        }

        public void Dispose()
        {
            Sender.Dispose();
            Receiver.Dispose();
        }
    }
}
