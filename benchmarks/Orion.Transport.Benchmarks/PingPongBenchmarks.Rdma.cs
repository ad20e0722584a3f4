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
        _loop = new MeasuredLoop(loop => OrionRoundTripsAsync(loop, _rdma.Client));
        ConnectionWarmUp.Run(OrionRdmaSoftware);
        _recorder.Reset();
    }

    [GlobalCleanup(Target = nameof(OrionRdmaSoftware))]
    public void CleanUpOrionRdmaSoftware()
    {
        StopLoop();
        LatencyResultStore.Write(nameof(PingPongBenchmarks), nameof(OrionRdmaSoftware), Size, _recorder.ComputePercentiles());
        _rdma?.Dispose();
        _rdma = null;
    }

    /// <summary>Orion's RDMA transport over the software provider, message path (SEND up to 4 KiB, WRITE with immediate above).</summary>
    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public ValueTask OrionRdmaSoftware() => _loop!.InvokeAsync();
}
