using System.Diagnostics;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The ping-pong case over Orion's RDMA transport on the in-process software verbs provider
/// (<c>rdma+soft</c>). The provider copies memory between the two queue pairs of one process, so
/// this measures the transport's own overhead (progress threads, hand-offs, copies), not a NIC.
/// </summary>
public partial class PingPongBenchmarks
{
    private OrionSession? _rdma;

    [GlobalSetup(Target = nameof(OrionRdmaSoftware))]
    public void SetUpOrionRdmaSoftware()
    {
        AllocateBuffers();
        _rdma = OrionSession.StartRdmaSoftware(connection => OrionPeers.EchoAsync(connection, Size));
        ConnectionWarmUp.Run(OrionRdmaSoftware);
        _recorder.Reset();
    }

    [GlobalCleanup(Target = nameof(OrionRdmaSoftware))]
    public void CleanUpOrionRdmaSoftware()
    {
        LatencyResultStore.Write(nameof(PingPongBenchmarks), nameof(OrionRdmaSoftware), Size, _recorder.ComputePercentiles());
        _rdma?.Dispose();
        _rdma = null;
    }

    /// <summary>Orion's RDMA transport over the software provider, message path (SEND up to 4 KiB, WRITE with immediate above).</summary>
    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask OrionRdmaSoftware()
    {
        var connection = _rdma!.Client;
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
