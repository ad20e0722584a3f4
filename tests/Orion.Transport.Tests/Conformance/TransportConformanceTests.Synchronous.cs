using System.Buffers;
using System.Diagnostics;

namespace Orion.Transport.Tests.Conformance;

/// <summary>
/// The synchronous receives (<see cref="TransportConnection.Receive"/>, <see cref="TransportConnection.ReceiveBulk"/>),
/// which a transport may run on the caller's own thread: the same framing, the same failures, and a
/// blocked caller is always released (by the peer, a failure, disposal, the idle timeout or its token).
/// Each runs on a dedicated thread, as their users (a session's executor, a client's receive thread) do.
/// </summary>
public abstract partial class TransportConformanceTests
{
    /// <summary>The start of a bulk transfer of <paramref name="announced"/> bytes, of which only part
    /// follows: the peer vanishes before the rest.</summary>
    protected virtual byte[] TruncatedBulk(int announced) => [.. Header((uint)announced, kind: 2), .. Pattern(announced / 2, seed: 9)];

    /// <summary>Runs <paramref name="receive"/> on a thread of its own, as a session's executor does.</summary>
    private static Task<T> OnOwnThread<T>(Func<T> receive)
        => Task.Factory.StartNew(receive, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    [Fact]
    public async Task Synchronous_receives_deliver_messages_large_messages_and_bulk_in_order()
    {
        var options = CreateOptions() with { MaxMessageSize = 4 * MiB };
        await using var pair = await ConnectPairAsync(options);
        const int count = 600;
        var large = Pattern(3 * MiB, seed: 5); // beyond any input buffer: read straight into place
        var sending = Task.Run(async () =>
        {
            await SendSequenceAsync(pair.Client, count, seed: 3);
            await pair.Client.SendAsync(large);
            await pair.Client.SendBulkAsync(large);
        });
        var received = OnOwnThread(() =>
        {
            for (var i = 0; i < count; i++)
            {
                var expected = SequenceItem(i, seed: 3);
                if (i % 50 == 49)
                {
                    var destination = new byte[expected.Length];
                    pair.Server.ReceiveBulk(destination);
                    Assert.Equal(expected, destination);
                }
                else
                {
                    Assert.Equal(expected, pair.Server.Receive().ToArray());
                }
            }
            AssertSequenceEqual(large, pair.Server.Receive());
            var bulk = new byte[large.Length];
            pair.Server.ReceiveBulk(bulk);
            Assert.True(bulk.AsSpan().SequenceEqual(large), "the synchronous bulk receive delivered other bytes");
            return true;
        });
        await Task.WhenAll(sending, received).WaitAsync(OperationTimeout);
    }

    [Fact]
    public async Task Synchronous_receive_fails_when_the_peer_aborts()
    {
        await using var pair = await ConnectPairAsync();
        var receive = OnOwnThread(() => pair.Server.Receive().Length);
        await Task.Delay(100);
        Assert.False(receive.IsCompleted, "the receive returned with nothing sent");
        pair.Client.Abort("test");
        var failure = await Assert.ThrowsAsync<TransportException>(() => receive.WaitAsync(OperationTimeout));
        Assert.Equal(TransportError.ConnectionReset, failure.Error);
    }

    [Fact]
    public async Task Synchronous_bulk_receive_fails_when_the_peer_vanishes_midway()
    {
        await using var listener = await Transport.ListenAsync(CreateListenEndpoint(), Options);
        var accept = listener.AcceptAsync().AsTask();
        var raw = await ConnectRawAsync(Transport, listener.Endpoint);
        await using var server = await accept.WaitAsync(OperationTimeout);
        await raw.SendAsync(TruncatedBulk(64 * 1024));
        var receive = OnOwnThread(() =>
        {
            server.ReceiveBulk(new byte[64 * 1024]);
            return true;
        });
        await Task.Delay(100);
        Assert.False(receive.IsCompleted, "the bulk receive returned with half of its bytes");
        await raw.DisposeAsync();
        var failure = await Assert.ThrowsAsync<TransportException>(() => receive.WaitAsync(OperationTimeout));
        Assert.Equal(TransportError.ConnectionReset, failure.Error);
    }

    [Fact]
    public async Task Disposing_releases_a_blocked_synchronous_receive()
    {
        await using var pair = await ConnectPairAsync();
        var receive = OnOwnThread(() => pair.Client.Receive().Length);
        await Task.Delay(100);
        var stopwatch = Stopwatch.StartNew();
        var disposing = pair.Client.DisposeAsync().AsTask();
        var failure = await Assert.ThrowsAsync<TransportException>(() => receive.WaitAsync(OperationTimeout));
        Assert.Equal(TransportError.ConnectionAborted, failure.Error);
        // Released by the failure at once, not when the graceful close gives up waiting for it (2 s).
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1.5), $"the blocked receive ended {stopwatch.Elapsed} after the close began");
        await disposing.WaitAsync(OperationTimeout);
    }

    [Fact]
    public async Task Synchronous_receive_is_ended_by_the_idle_timeout()
    {
        var serverOptions = CreateOptions() with { IdleTimeout = TimeSpan.FromMilliseconds(400), KeepAliveInterval = Timeout.InfiniteTimeSpan };
        var clientOptions = CreateOptions() with { KeepAliveInterval = Timeout.InfiniteTimeSpan };
        await using var pair = await ConnectPairAsync(clientOptions, serverOptions);
        var stopwatch = Stopwatch.StartNew();
        var receive = OnOwnThread(() => pair.Server.Receive().Length);
        var failure = await Assert.ThrowsAsync<TransportException>(() => receive.WaitAsync(OperationTimeout));
        Assert.Equal(TransportError.Timeout, failure.Error);
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(350), $"timed out after {stopwatch.Elapsed}, before the idle timeout");
    }

    [Fact]
    public async Task Cancelled_synchronous_receive_leaves_the_connection_usable()
    {
        await using var pair = await ConnectPairAsync();
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            var receive = OnOwnThread(() => pair.Server.Receive(cancel.Token).Length);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => receive.WaitAsync(OperationTimeout));
        }
        await pair.Client.SendAsync(new byte[] { 9 });
        var next = OnOwnThread(() => pair.Server.Receive().ToArray());
        Assert.Equal(new byte[] { 9 }, await next.WaitAsync(OperationTimeout));
        // And the asynchronous receive still works after synchronous ones.
        await pair.Client.SendAsync(new byte[] { 10 });
        Assert.Equal(new byte[] { 10 }, (await Timed(pair.Server.ReceiveAsync())).ToArray());
    }
}
