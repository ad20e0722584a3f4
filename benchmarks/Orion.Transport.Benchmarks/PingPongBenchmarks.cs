using System.Diagnostics;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// Ping-pong latency: send one message of <see cref="Size"/> bytes, wait for the peer to echo it.
/// One operation is one round trip; every round trip's duration is recorded for p50/p99.
/// </summary>
/// <remarks>
/// <see cref="RawSocket"/> (async <c>Socket</c> calls, the API the TCP transport is built on) is
/// the baseline every ratio refers to; <see cref="RawSocketBlocking"/> (blocking calls on
/// dedicated threads, no thread-pool hops) shows what the kernel alone costs.
/// </remarks>
public partial class PingPongBenchmarks
{
    /// <summary>Round trips per benchmark invocation, which amortises BenchmarkDotNet's own await.</summary>
    public const int RoundTripsPerInvoke = 16;

    private readonly RoundTripRecorder _recorder = new();
    private byte[] _payload = [];
    private byte[] _reply = [];
    private RawSocketSession? _raw;
    private OrionSession? _orion;
    /// <summary>The async cases' measured loop, one per set-up case.</summary>
    private MeasuredLoop? _loop;

    [ParamsSource(nameof(Sizes))]
    public int Size { get; set; }

    public static IEnumerable<int> Sizes => MessageSizes.Selected;

    [GlobalSetup(Target = nameof(RawSocket))]
    public void SetUpRawSocket()
    {
        AllocateBuffers();
        _raw = RawSocketSession.StartEcho(Size, blocking: false);
        _loop = new MeasuredLoop(RawRoundTripsAsync);
        ConnectionWarmUp.Run(RawSocket);
        _recorder.Reset();
    }

    [GlobalCleanup(Target = nameof(RawSocket))]
    public void CleanUpRawSocket() => FinishRaw(nameof(RawSocket));

    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTripsPerInvoke)]
    public ValueTask RawSocket() => _loop!.InvokeAsync();

    private async Task RawRoundTripsAsync(MeasuredLoop loop)
    {
        var socket = _raw!.Client;
        Memory<byte> payload = _payload;
        Memory<byte> reply = _reply;
        while (await loop.WaitForInvocationAsync())
        {
            for (var i = 0; i < RoundTripsPerInvoke; i++)
            {
                var start = Stopwatch.GetTimestamp();
                for (var sent = 0; sent < Size;)
                {
                    sent += await socket.SendAsync(payload[sent..], SocketFlags.None);
                }
                for (var received = 0; received < Size;)
                {
                    var count = await socket.ReceiveAsync(reply[received..], SocketFlags.None);
                    received += count > 0 ? count : throw SocketIo.PeerClosedMidMessage();
                }
                _recorder.Record(start, Stopwatch.GetTimestamp());
            }
        }
    }

    [GlobalSetup(Target = nameof(RawSocketBlocking))]
    public void SetUpRawSocketBlocking()
    {
        AllocateBuffers();
        _raw = RawSocketSession.StartEcho(Size, blocking: true);
        ConnectionWarmUp.Run(RawSocketBlocking);
        _recorder.Reset();
    }

    [GlobalCleanup(Target = nameof(RawSocketBlocking))]
    public void CleanUpRawSocketBlocking() => FinishRaw(nameof(RawSocketBlocking));

    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public void RawSocketBlocking()
    {
        var socket = _raw!.Client;
        for (var i = 0; i < RoundTripsPerInvoke; i++)
        {
            var start = Stopwatch.GetTimestamp();
            SocketIo.SendAll(socket, _payload);
            SocketIo.ReceiveExactly(socket, _reply);
            _recorder.Record(start, Stopwatch.GetTimestamp());
        }
    }

    [GlobalSetup(Target = nameof(OrionTcp))]
    public void SetUpOrionTcp()
    {
        AllocateBuffers();
        _orion = OrionSession.StartTcp(connection => OrionPeers.EchoAsync(connection, Size));
        _loop = new MeasuredLoop(loop => OrionRoundTripsAsync(loop, _orion.Client));
        ConnectionWarmUp.Run(OrionTcp);
        _recorder.Reset();
    }

    [GlobalCleanup(Target = nameof(OrionTcp))]
    public void CleanUpOrionTcp()
    {
        StopLoop();
        LatencyResultStore.Write(nameof(PingPongBenchmarks), nameof(OrionTcp), Size, _recorder.ComputePercentiles());
        _orion?.Dispose();
        _orion = null;
    }

    /// <summary>Orion's TCP transport, message path (every size here is within the default MaxMessageSize).</summary>
    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public ValueTask OrionTcp() => _loop!.InvokeAsync();

    /// <summary>The measured loop of every Orion transport's case: send, wait for the whole echo, record.</summary>
    private async Task OrionRoundTripsAsync(MeasuredLoop loop, TransportConnection connection)
    {
        while (await loop.WaitForInvocationAsync())
        {
            for (var i = 0; i < RoundTripsPerInvoke; i++)
            {
                var start = Stopwatch.GetTimestamp();
                await connection.SendAsync(_payload);
                var reply = await connection.ReceiveAsync();
                _recorder.Record(start, Stopwatch.GetTimestamp());
                if (reply.Length != Size)
                {
                    throw new InvalidOperationException($"The echo returned {reply.Length} bytes for a message of {Size}.");
                }
            }
        }
    }

    private void StopLoop()
    {
        _loop?.Stop();
        _loop = null;
    }

    private void AllocateBuffers()
    {
        _payload = GC.AllocateUninitializedArray<byte>(Size, pinned: true);
        Random.Shared.NextBytes(_payload);
        _reply = GC.AllocateUninitializedArray<byte>(Size, pinned: true);
    }

    private void FinishRaw(string method)
    {
        StopLoop();
        LatencyResultStore.Write(nameof(PingPongBenchmarks), method, Size, _recorder.ComputePercentiles());
        _raw?.Dispose();
        _raw = null;
    }
}
