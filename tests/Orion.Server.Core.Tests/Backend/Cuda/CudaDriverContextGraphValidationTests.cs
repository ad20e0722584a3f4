using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Cuda;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>
/// The checks the CUDA backend makes before any graph call reaches the driver (as
/// <see cref="CudaDriverContextValidationTests"/> does for the rest): a graph, node or executable graph
/// the context never got from the driver is refused. These run without a GPU: reaching the driver
/// would throw DllNotFoundException on a host without libcuda.
/// </summary>
public sealed class CudaDriverContextGraphValidationTests
{
    private static readonly GpuGraphHandle Graph = new(0x5EED0);
    private static readonly GpuGraphNodeHandle Node = new(0x5EED1);
    private static readonly GpuGraphExecHandle Exec = new(0x5EED2);
    private static readonly LaunchConfiguration Geometry = new(new Dim3(1), new Dim3(32), 0);

    private static CudaDriverContext NewContext() => new(0, new CudaContextHandle());

    [Fact]
    public void Graphs_and_nodes_it_never_made_are_refused()
    {
        using CudaDriverContext context = NewContext();

        Assert.Equal(CudaStatus.InvalidHandle, context.DestroyGraph(Graph));
        Assert.Equal(CudaStatus.InvalidHandle, context.GetGraphNodes(Graph, out var nodes));
        Assert.Empty(nodes);
        Assert.Equal(CudaStatus.InvalidHandle, context.AddEmptyNode(Graph, [], out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.AddKernelNode(Graph, [], new GpuFunctionHandle(1), Geometry, [], out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.AddMemsetNode(Graph, [], 0x1000, 64, 0, MemsetElementSize.Bits32, 16, 1, out _));
        var copy = new MemoryCopy2D(MemoryLocation.Device, 0x1000, 64, MemoryLocation.Device, 0x2000, 64, 64, 1);
        Assert.Equal(CudaStatus.InvalidHandle, context.AddMemcpyNode(Graph, [], copy, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.AddGraphDependencies(Graph, [Node], [Node]));
        Assert.Equal(CudaStatus.InvalidValue, context.AddGraphDependencies(Graph, [Node], []));
        Assert.Equal(CudaStatus.InvalidHandle, context.InstantiateGraph(Graph, 0, out var exec));
        Assert.Equal(default, exec);
        Assert.Equal(CudaStatus.InvalidHandle, context.GetGraphNodeType(Node, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.SetKernelNodeParams(Node, new GpuFunctionHandle(1), Geometry, []));
    }

    [Fact]
    public void Executable_graphs_it_never_made_are_refused()
    {
        using CudaDriverContext context = NewContext();

        Assert.Equal(CudaStatus.InvalidHandle, context.LaunchGraph(Exec, GpuStreamHandle.Null));
        Assert.Equal(CudaStatus.InvalidHandle, context.UploadGraph(Exec, GpuStreamHandle.Null));
        Assert.Equal(CudaStatus.InvalidHandle, context.DestroyGraphExec(Exec));
        Assert.Equal(CudaStatus.InvalidHandle, context.SetGraphExecKernelNodeParams(Exec, Node, new GpuFunctionHandle(1), Geometry, []));
    }

    [Fact]
    public void Capture_needs_a_stream_of_the_context_other_than_the_legacy_one()
    {
        using CudaDriverContext context = NewContext();
        var bogus = new GpuStreamHandle(0x5EED3);

        Assert.Equal(CudaStatus.InvalidHandle, context.BeginCapture(bogus, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.EndCapture(bogus, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.GetCaptureInfo(bogus, out _, out _, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.GetCaptureDependencies(bogus, out _));
        Assert.Equal(CudaStatus.StreamCaptureUnsupported, context.BeginCapture(GpuStreamHandle.Null, out _));
    }

    [Fact]
    public void Graph_calls_after_dispose_say_the_context_is_destroyed()
    {
        CudaDriverContext context = NewContext();
        context.Dispose();

        Assert.Equal(CudaStatus.ContextIsDestroyed, context.CreateGraph(out _));
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.BeginCapture(GpuStreamHandle.Null, out _));
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.LaunchGraph(Exec, GpuStreamHandle.Null));
    }
}
