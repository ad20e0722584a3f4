using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// One-way streaming throughput: one operation sends a 16 MiB burst as messages of
/// <see cref="Size"/> bytes and waits for the receiver's one-byte acknowledgement of the whole
/// burst, so the time covers delivery, not just hand-over to the kernel. The acknowledgement
/// costs one small round trip per burst (well under 1% at loopback speeds).
/// </summary>
/// <remarks>The raw receiver reads whatever has arrived into a 4 MiB buffer, as a stream reader does.</remarks>
[BytesPerOperation(BurstBytes)]
public partial class StreamingBenchmarks
{
    public const int BurstBytes = 16 * 1024 * 1024;

    private byte[] _payload = [];
    private readonly byte[] _ack = new byte[1];
    private RawSocketSession? _raw;
    private OrionSession? _orion;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    public static IEnumerable<int> Sizes => MessageSizes.Selected;

    private int MessagesPerBurst => BurstBytes / Size;

    [GlobalSetup(Target = nameof(RawSocket))]
    public void SetUpRawSocket()
    {
        AllocatePayload();
        _raw = RawSocketSession.StartSink(BurstBytes, blocking: false);
        ConnectionWarmUp.Run(RawSocket);
    }

    [GlobalSetup(Target = nameof(RawSocketBlocking))]
    public void SetUpRawSocketBlocking()
    {
        AllocatePayload();
        _raw = RawSocketSession.StartSink(BurstBytes, blocking: true);
        ConnectionWarmUp.Run(RawSocketBlocking);
    }

    [GlobalCleanup(Targets = [nameof(RawSocket), nameof(RawSocketBlocking)])]
    public void CleanUpRaw()
    {
        _raw?.Dispose();
        _raw = null;
    }

    [Benchmark(Baseline = true)]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RawSocket()
    {
        var socket = _raw!.Client;
        for (var i = MessagesPerBurst; i > 0; i--)
        {
            await SocketIo.SendAllAsync(socket, _payload);
        }
        await SocketIo.ReceiveExactlyAsync(socket, _ack);
    }

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

    [GlobalSetup(Target = nameof(OrionTcpMessages))]
    public void SetUpOrionTcpMessages()
    {
        AllocatePayload();
        _orion = OrionSession.StartTcp(connection => OrionPeers.MessageSinkAsync(connection, MessagesPerBurst));
        ConnectionWarmUp.Run(OrionTcpMessages);
    }

    [GlobalSetup(Target = nameof(OrionTcpBulk))]
    public void SetUpOrionTcpBulk()
    {
        AllocatePayload();
        _orion = OrionSession.StartTcp(connection => OrionPeers.BulkSinkAsync(connection, Size, MessagesPerBurst));
        ConnectionWarmUp.Run(OrionTcpBulk);
    }

    [GlobalCleanup(Targets = [nameof(OrionTcpMessages), nameof(OrionTcpBulk)])]
    public void CleanUpOrion()
    {
        _orion?.Dispose();
        _orion = null;
    }

    /// <summary>Orion's TCP transport, message path: <c>SendAsync</c> / <c>ReceiveAsync</c> per message.</summary>
    [Benchmark]
    public ValueTask OrionTcpMessages() => OrionBurstAsync(_orion!.Client, bulk: false);

    /// <summary>Orion's TCP transport, bulk path: <c>SendBulkAsync</c>, received straight into the sink's buffer.</summary>
    [Benchmark]
    public ValueTask OrionTcpBulk() => OrionBurstAsync(_orion!.Client, bulk: true);

    /// <summary>The measured burst of every Orion transport's case: the messages or bulk transfers
    /// of one burst back to back, then the sink's acknowledgement.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask OrionBurstAsync(TransportConnection connection, bool bulk)
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

    private void AllocatePayload()
    {
        _payload = GC.AllocateUninitializedArray<byte>(Size, pinned: true);
        Random.Shared.NextBytes(_payload);
    }
}
