using BenchmarkDotNet.Attributes;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The ping-pong case over Orion's shared-memory transport (<c>shm://</c>): the same asynchronous
/// send and receive as the TCP case, the rings in a memfd segment instead of the loopback socket.
/// </summary>
public partial class PingPongBenchmarks
{
    private OrionSession? _shm;

    [GlobalSetup(Target = nameof(OrionShm))]
    public void SetUpOrionShm()
    {
        AllocateBuffers();
        _shm = OrionSession.StartSharedMemory(connection => OrionPeers.EchoAsync(connection, Size));
        _loop = new MeasuredLoop(loop => OrionRoundTripsAsync(loop, _shm.Client));
        ConnectionWarmUp.Run(OrionShm);
        _recorder.Reset();
    }

    [GlobalCleanup(Target = nameof(OrionShm))]
    public void CleanUpOrionShm()
    {
        StopLoop();
        LatencyResultStore.Write(nameof(PingPongBenchmarks), nameof(OrionShm), Size, _recorder.ComputePercentiles());
        _shm?.Dispose();
        _shm = null;
    }

    /// <summary>Orion's shared-memory transport, message path (in place up to the 4 MiB ring).</summary>
    [Benchmark(OperationsPerInvoke = RoundTripsPerInvoke)]
    public ValueTask OrionShm() => _loop!.InvokeAsync();
}
