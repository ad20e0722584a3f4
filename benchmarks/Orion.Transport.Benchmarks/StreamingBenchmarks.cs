using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// One-way streaming throughput: one operation sends a 16 MiB burst as messages of
/// <see cref="Size"/> bytes and waits for the receiver's one-byte acknowledgement of the whole
/// burst, so the time covers delivery, not just hand-over to the kernel. The acknowledgement
/// costs one small round trip per burst (well under 1% at loopback speeds).
/// </summary>
/// <remarks>
/// Every receiver takes each message whole into a buffer of the message's size: the raw baseline
/// (<see cref="RawSocket"/>, <see cref="RawSocketBlocking"/>) with a receive loop per message,
/// Orion with <c>ReceiveAsync</c> or <c>ReceiveBulkAsync</c>. <see cref="RawSocketStream"/> reads
/// whatever has arrived into one 4 MiB buffer instead, ignoring message boundaries: less work than
/// a receiver of messages must do, shown beside the baseline as the loopback socket's best case.
/// </remarks>
[BytesPerOperation(BurstBytes)]
public partial class StreamingBenchmarks
{
    public const int BurstBytes = 16 * 1024 * 1024;

    private byte[] _payload = [];
    private readonly byte[] _ack = new byte[1];
    private RawSocketSession? _raw;
    private OrionSession? _orion;
    /// <summary>The async cases' measured loop, one per set-up case.</summary>
    private MeasuredLoop? _loop;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    public static IEnumerable<int> Sizes => MessageSizes.Selected;

    private int MessagesPerBurst => BurstBytes / Size;

    [GlobalSetup(Target = nameof(RawSocket))]
    public void SetUpRawSocket()
    {
        AllocatePayload();
        _raw = RawSocketSession.StartMessageSink(Size, MessagesPerBurst, blocking: false);
        _loop = new MeasuredLoop(RawBurstsAsync);
        ConnectionWarmUp.Run(RawSocket);
    }

    [GlobalSetup(Target = nameof(RawSocketStream))]
    public void SetUpRawSocketStream()
    {
        AllocatePayload();
        _raw = RawSocketSession.StartStreamSink(BurstBytes);
        _loop = new MeasuredLoop(RawBurstsAsync);
        ConnectionWarmUp.Run(RawSocketStream);
    }

    [GlobalSetup(Target = nameof(RawSocketBlocking))]
    public void SetUpRawSocketBlocking()
    {
        AllocatePayload();
        _raw = RawSocketSession.StartMessageSink(Size, MessagesPerBurst, blocking: true);
        ConnectionWarmUp.Run(RawSocketBlocking);
    }

    [GlobalCleanup(Targets = [nameof(RawSocket), nameof(RawSocketStream), nameof(RawSocketBlocking)])]
    public void CleanUpRaw()
    {
        StopLoop();
        _raw?.Dispose();
        _raw = null;
    }

    /// <summary>Raw async socket, the baseline: the receiver takes each message whole into a buffer of its size.</summary>
    [Benchmark(Baseline = true)]
    public ValueTask RawSocket() => _loop!.InvokeAsync();

    /// <summary>Raw async socket, the receiver reading whatever has arrived in 4 MiB reads.</summary>
    [Benchmark]
    public ValueTask RawSocketStream() => _loop!.InvokeAsync();

    [Benchmark]
    public void RawSocketBlocking()
    {
        var socket = _raw!.Client;
        for (var i = MessagesPerBurst; i > 0; i--)
        {
            SocketIo.SendAll(socket, _payload);
        }
        SocketIo.ReceiveExactly(socket, _ack);
    }

    /// <summary>The raw cases' measured loop: a burst of sends (written inline, see <see cref="SocketIo"/>), then the acknowledgement.</summary>
    private async Task RawBurstsAsync(MeasuredLoop loop)
    {
        var socket = _raw!.Client;
        Memory<byte> payload = _payload;
        while (await loop.WaitForInvocationAsync())
        {
            for (var i = MessagesPerBurst; i > 0; i--)
            {
                for (var sent = 0; sent < Size;)
                {
                    sent += await socket.SendAsync(payload[sent..], SocketFlags.None);
                }
            }
            if (await socket.ReceiveAsync(_ack.AsMemory(), SocketFlags.None) == 0)
            {
                throw SocketIo.PeerClosedMidMessage();
            }
        }
    }

    [GlobalSetup(Target = nameof(OrionTcpMessages))]
    public void SetUpOrionTcpMessages()
    {
        AllocatePayload();
        _orion = OrionSession.StartTcp(connection => OrionPeers.MessageSinkAsync(connection, MessagesPerBurst));
        _loop = new MeasuredLoop(loop => OrionBurstsAsync(loop, _orion.Client, bulk: false));
        ConnectionWarmUp.Run(OrionTcpMessages);
    }

    [GlobalSetup(Target = nameof(OrionTcpBulk))]
    public void SetUpOrionTcpBulk()
    {
        AllocatePayload();
        _orion = OrionSession.StartTcp(connection => OrionPeers.BulkSinkAsync(connection, Size, MessagesPerBurst));
        _loop = new MeasuredLoop(loop => OrionBurstsAsync(loop, _orion.Client, bulk: true));
        ConnectionWarmUp.Run(OrionTcpBulk);
    }

    [GlobalCleanup(Targets = [nameof(OrionTcpMessages), nameof(OrionTcpBulk)])]
    public void CleanUpOrion()
    {
        StopLoop();
        _orion?.Dispose();
        _orion = null;
    }

    /// <summary>Orion's TCP transport, message path: <c>SendAsync</c> / <c>ReceiveAsync</c> per message.</summary>
    [Benchmark]
    public ValueTask OrionTcpMessages() => _loop!.InvokeAsync();

    /// <summary>Orion's TCP transport, bulk path: <c>SendBulkAsync</c>, received straight into the sink's buffer.</summary>
    [Benchmark]
    public ValueTask OrionTcpBulk() => _loop!.InvokeAsync();

    /// <summary>The measured loop of every Orion transport's case: the messages or bulk transfers
    /// of one burst back to back, then the sink's acknowledgement.</summary>
    private async Task OrionBurstsAsync(MeasuredLoop loop, TransportConnection connection, bool bulk)
    {
        while (await loop.WaitForInvocationAsync())
        {
            for (var i = MessagesPerBurst; i > 0; i--)
            {
                if (bulk)
                {
                    await connection.SendBulkAsync(_payload);
                }
                else
                {
                    await connection.SendAsync(_payload);
                }
            }
            await connection.ReceiveAsync();
        }
    }

    private void StopLoop()
    {
        _loop?.Stop();
        _loop = null;
    }

    private void AllocatePayload()
    {
        _payload = GC.AllocateUninitializedArray<byte>(Size, pinned: true);
        Random.Shared.NextBytes(_payload);
    }
}
