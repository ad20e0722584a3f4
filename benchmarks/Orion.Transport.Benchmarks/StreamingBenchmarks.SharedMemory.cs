using BenchmarkDotNet.Attributes;

namespace Orion.Transport.Benchmarks;

/// <summary>The streaming cases over Orion's shared-memory transport (<c>shm://</c>).</summary>
public partial class StreamingBenchmarks
{
    private OrionSession? _shm;

    [GlobalSetup(Target = nameof(OrionShmMessages))]
    public void SetUpOrionShmMessages()
    {
        AllocatePayload();
        _shm = OrionSession.StartSharedMemory(connection => OrionPeers.MessageSinkAsync(connection, MessagesPerBurst));
        _loop = new MeasuredLoop(loop => OrionBurstsAsync(loop, _shm.Client, bulk: false));
        ConnectionWarmUp.Run(OrionShmMessages);
    }

    [GlobalSetup(Target = nameof(OrionShmBulk))]
    public void SetUpOrionShmBulk()
    {
        AllocatePayload();
        _shm = OrionSession.StartSharedMemory(connection => OrionPeers.BulkSinkAsync(connection, Size, MessagesPerBurst));
        _loop = new MeasuredLoop(loop => OrionBurstsAsync(loop, _shm.Client, bulk: true));
        ConnectionWarmUp.Run(OrionShmBulk);
    }

    [GlobalCleanup(Targets = [nameof(OrionShmMessages), nameof(OrionShmBulk)])]
    public void CleanUpOrionShm()
    {
        StopLoop();
        _shm?.Dispose();
        _shm = null;
    }

    /// <summary>Shared memory, message path: <c>SendAsync</c> / <c>ReceiveAsync</c> per message (a 16 MiB message streams through the ring).</summary>
    [Benchmark]
    public ValueTask OrionShmMessages() => _loop!.InvokeAsync();

    /// <summary>Shared memory, bulk path: <c>SendBulkAsync</c>, copied into the ring and out of it straight into the sink's buffer.</summary>
    [Benchmark]
    public ValueTask OrionShmBulk() => _loop!.InvokeAsync();
}
