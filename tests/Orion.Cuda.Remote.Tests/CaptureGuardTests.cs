using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Sessions;
using Orion.Server.Core.Sessions.Calls;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The server's own refusal of work that cannot become part of a graph, for a client that does not
/// refuse it first (the SDK does, <see cref="GraphTests"/>): the session's handlers are driven directly,
/// over the emulated device, and must neither touch the data nor disturb the capture.
/// </summary>
public sealed class CaptureGuardTests : IDisposable
{
    private const ulong Stream = 16;
    private const ulong Graph = 17;
    private readonly SessionObjects _objects;
    private readonly MemoryCallHandler _memory;
    private readonly StreamCallHandler _streams;
    private readonly GraphCallHandler _graphs;
    private readonly List<ulong> _reached = [];

    public CaptureGuardTests()
    {
        var backend = new EmulatedGpuBackend(new EmulatedDeviceOptions { Kernels = TestKernels.Create() });
        _objects = new SessionObjects(backend, new ServerSessionConfig([0], [], Orion.Server.Core.Authentication.ClientAuthenticator.Open, ProtocolLimits.MinChunkBytes, 13000, "capture guard test"));
        _memory = new MemoryCallHandler(_objects);
        _streams = new StreamCallHandler(_objects, _reached.Add);
        _graphs = new GraphCallHandler(_objects);
    }

    [Fact]
    public void Host_copies_host_functions_and_stream_ordered_allocation_are_refused_on_a_capturing_stream()
    {
        Assert.Equal(CudaStatus.Success, _streams.CreateStream(Stream, 1, 0));
        Assert.Equal(CudaStatus.Success, _memory.Allocate(4096, out var address));
        Assert.Equal(CudaStatus.Success, _graphs.BeginCapture(Stream, Graph));

        var incoming = new CountingIncoming(4096);
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, _memory.CopyHostToDeviceAsync(address, 4096, Stream, incoming));
        Assert.Equal(0, incoming.Received); // nothing staged, so nothing a captured copy could replay
        var outgoing = new CountingOutgoing(4096);
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, _memory.CopyDeviceToHostAsync(address, 4096, Stream, outgoing));
        Assert.False(outgoing.Announced);
        var rows = new CountingIncoming(64 * 4);
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, _memory.Copy2DHostToDeviceAsync(address, 128, 64, 4, Stream, rows));
        Assert.Equal(0, rows.Received);
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, _streams.LaunchHostFunction(Stream, 99));
        Assert.Empty(_reached);
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, _memory.AllocateAsync(64, Stream, out var none));
        Assert.Equal(0UL, none);
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, _memory.FreeAsync(address, Stream));

        // The capture was not disturbed: it still builds its graph, and what can be captured still is.
        Assert.Equal(CudaStatus.Success, _graphs.GetCaptureInfo(Stream, out var status, out _, out var graph));
        Assert.Equal((1, Graph), (status, graph));
        Assert.Equal(CudaStatus.Success, _memory.MemsetAsync(address, 1, MemsetElementSize.Bits32, 1024, Stream));
        Assert.Equal(CudaStatus.Success, _graphs.EndCapture(Stream, out var captured));
        Assert.Equal(Graph, captured);
        Assert.Equal(CudaStatus.Success, _graphs.GetGraphNodes(Graph, 0, 8, 100, out var count, out var nodes));
        Assert.Equal(1u, count);
        Assert.Equal(100UL, Assert.Single(nodes).Value); // named from the range the client reserved

        // Outside a capture the same calls run.
        Assert.Equal(CudaStatus.Success, _memory.AllocateAsync(64, Stream, out var ordered));
        Assert.NotEqual(0UL, ordered);
        Assert.Equal(CudaStatus.Success, _streams.LaunchHostFunction(Stream, 99));
        Assert.Equal([99UL], _reached);
    }

    [Fact]
    public void Handles_are_checked_and_nodes_stay_in_their_graph()
    {
        Assert.Equal(CudaStatus.Success, _streams.CreateStream(Stream, 1, 0));
        Assert.Equal(CudaStatus.Success, _memory.Allocate(4096, out var address));
        Assert.Equal(CudaStatus.InvalidValue, _graphs.BeginCapture(Stream, Stream)); // a handle already in use
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, _graphs.BeginCapture(0, Graph)); // the legacy default stream
        Assert.Equal(CudaStatus.InvalidHandle, _graphs.BeginCapture(99, Graph));

        // A captured node is unnamed until reported; a reserved range that collides with a live handle is refused.
        Assert.Equal(CudaStatus.Success, _graphs.BeginCapture(Stream, Graph));
        Assert.Equal(CudaStatus.Success, _memory.MemsetAsync(address, 1, MemsetElementSize.Bits8, 64, Stream));
        Assert.Equal(CudaStatus.Success, _graphs.EndCapture(Stream, out _));
        Assert.Equal(CudaStatus.InvalidValue, _graphs.GetGraphNodes(Graph, 0, 8, Stream, out _, out _));
        Assert.Equal(CudaStatus.Success, _graphs.GetGraphNodes(Graph, 0, 8, 18, out _, out var named));
        Assert.Equal(18UL, Assert.Single(named).Value);
        Assert.Equal(CudaStatus.Success, _graphs.GetGraphNodes(Graph, 0, 8, 500, out _, out var again));
        Assert.Equal(18UL, Assert.Single(again).Value); // a named node keeps its name

        Assert.Equal(CudaStatus.Success, _graphs.CreateGraph(19, 0));
        Assert.Equal(CudaStatus.Success, _graphs.AddEmptyNode(19, 20, []));
        Assert.Equal(CudaStatus.InvalidValue, _graphs.AddEmptyNode(19, 22, [new WireHandle(18)])); // a node of another graph
        Assert.Equal(CudaStatus.InvalidValue, _graphs.AddGraphDependencies(Graph, [new WireHandle(18)], [new WireHandle(20)]));
        Assert.Equal(CudaStatus.InvalidValue, _graphs.AddGraphDependencies(Graph, [new WireHandle(18)], []));
        Assert.Equal(CudaStatus.Success, _graphs.InstantiateGraph(Graph, 21, 0));
        Assert.Equal(CudaStatus.InvalidValue, _graphs.InstantiateGraph(Graph, 21, 0)); // the handle is taken
        Assert.Equal(CudaStatus.Success, _graphs.DestroyGraph(Graph));
        Assert.Equal(CudaStatus.InvalidHandle, _graphs.GetGraphNodeType(18, out _));
        Assert.Equal(CudaStatus.Success, _graphs.LaunchGraph(21, Stream)); // an executable graph outlives its graph
        Assert.Equal(CudaStatus.Success, _graphs.DestroyGraphExec(21));
        Assert.Equal(CudaStatus.InvalidHandle, _graphs.LaunchGraph(21, Stream));
        Assert.Equal((1, 1, 0), _objects.Tables.GraphCounts());

        // Ending the session's contexts forgets every graph object with them.
        _objects.DestroyAll();
        Assert.Equal((0, 0, 0), _objects.Tables.GraphCounts());
    }

    public void Dispose() => _objects.DestroyAll();

    private sealed class CountingIncoming : IncomingData
    {
        public CountingIncoming(ulong bytes) => Layout = BulkLayout.Contiguous(bytes, ProtocolLimits.MinChunkBytes);

        public int Received { get; private set; }

        public override int ReceiveNext(nint destination)
        {
            Received++;
            var chunk = NextChunkBytes;
            Transferred += (ulong)chunk;
            return chunk;
        }
    }

    private sealed class CountingOutgoing : OutgoingData
    {
        public CountingOutgoing(ulong bytes) => Layout = BulkLayout.Contiguous(bytes, ProtocolLimits.MinChunkBytes);

        public bool Announced { get; private set; }

        public override void Announce() => Announced = true;

        public override int SendNext(nint source)
        {
            var chunk = NextChunkBytes;
            Transferred += (ulong)chunk;
            return chunk;
        }

        public override void Latch(CudaStatus status)
        {
        }
    }
}
