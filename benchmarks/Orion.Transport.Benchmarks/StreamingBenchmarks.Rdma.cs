using BenchmarkDotNet.Attributes;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The streaming cases over Orion's RDMA transport on the in-process software verbs provider
/// (<c>rdma+soft</c>): the same bursts and sinks as the TCP cases. The provider's "wire" is a
/// memory copy inside this process, so these figures are the transport's overhead, not a NIC's.
/// </summary>
public partial class StreamingBenchmarks
{
    private OrionSession? _rdma;

    [GlobalSetup(Target = nameof(OrionRdmaSoftwareMessages))]
    public void SetUpOrionRdmaSoftwareMessages()
    {
        AllocatePayload();
        _rdma = OrionSession.StartRdmaSoftware(connection => OrionPeers.MessageSinkAsync(connection, MessagesPerBurst));
        _loop = new MeasuredLoop(loop => OrionBurstsAsync(loop, _rdma.Client, bulk: false));
        ConnectionWarmUp.Run(OrionRdmaSoftwareMessages);
    }

    [GlobalSetup(Target = nameof(OrionRdmaSoftwareBulk))]
    public void SetUpOrionRdmaSoftwareBulk()
    {
        AllocatePayload();
        _rdma = OrionSession.StartRdmaSoftware(connection => OrionPeers.BulkSinkAsync(connection, Size, MessagesPerBurst));
        _loop = new MeasuredLoop(loop => OrionBurstsAsync(loop, _rdma.Client, bulk: true));
        ConnectionWarmUp.Run(OrionRdmaSoftwareBulk);
    }

    [GlobalCleanup(Targets = [nameof(OrionRdmaSoftwareMessages), nameof(OrionRdmaSoftwareBulk)])]
    public void CleanUpOrionRdmaSoftware()
    {
        StopLoop();
        _rdma?.Dispose();
        _rdma = null;
    }

    /// <summary>RDMA over the software provider, message path: <c>SendAsync</c> / <c>ReceiveAsync</c> per message.</summary>
    [Benchmark]
    public ValueTask OrionRdmaSoftwareMessages() => _loop!.InvokeAsync();

    /// <summary>RDMA over the software provider, bulk path: <c>SendBulkAsync</c> (WRITE with immediate, zero-copy from the pinned payload).</summary>
    [Benchmark]
    public ValueTask OrionRdmaSoftwareBulk() => _loop!.InvokeAsync();
}
