namespace Orion.Server.Core.Backend;

/// <summary>
/// Stream capture and graphs. Graphs, nodes and executable graphs made here belong to the context:
/// disposing it destroys whatever of them is left. Node handles passed in come from this context
/// (the session checks which graph each belongs to before calling).
/// </summary>
/// <remarks>
/// While a stream captures, the stream-ordered calls of <see cref="IGpuContext"/> on it record nodes
/// instead of running: launches, memsets and device-to-device copies. The session refuses the rest
/// (host copies, host functions, stream-ordered allocation) before they reach the backend.
/// </remarks>
public partial interface IGpuContext
{
    /// <summary>
    /// <c>cuStreamBeginCapture_v2</c> in relaxed mode, whatever mode the program asked for: a global
    /// capture would make potentially unsafe calls of every thread of the process fail, including other
    /// sessions' when sessions share a process, and a thread-local one would fail the server's own calls
    /// on the session's thread (module loads, staging buffers) that NVIDIA's runtime makes in a relaxed
    /// section on the client. <paramref name="graph"/> is the graph being built.
    /// </summary>
    CudaStatus BeginCapture(GpuStreamHandle stream, out GpuGraphHandle graph);

    /// <summary><c>cuStreamEndCapture</c>: the captured graph, or a failure (and no graph) when the capture was invalidated.</summary>
    CudaStatus EndCapture(GpuStreamHandle stream, out GpuGraphHandle graph);

    /// <summary><c>cuStreamGetCaptureInfo_v3</c> without dependencies: status, the capture's id and its graph (default when none).</summary>
    CudaStatus GetCaptureInfo(GpuStreamHandle stream, out StreamCaptureStatus status, out ulong captureId, out GpuGraphHandle graph);

    /// <summary>The nodes the next node captured on <paramref name="stream"/> will depend on.</summary>
    CudaStatus GetCaptureDependencies(GpuStreamHandle stream, out GpuGraphNodeHandle[] dependencies);

    /// <summary><c>cuGraphCreate</c> (flags 0).</summary>
    CudaStatus CreateGraph(out GpuGraphHandle graph);

    /// <summary><c>cuGraphDestroy</c>.</summary>
    CudaStatus DestroyGraph(GpuGraphHandle graph);

    /// <summary><c>cuGraphGetNodes</c>: every node, in an order that stays the same while no node is added.</summary>
    CudaStatus GetGraphNodes(GpuGraphHandle graph, out GpuGraphNodeHandle[] nodes);

    /// <summary><c>cuGraphAddKernelNode_v2</c>; <paramref name="parameters"/> is packed as <see cref="Launch"/> takes it and copied.</summary>
    CudaStatus AddKernelNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, GpuFunctionHandle kernel,
        in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters, out GpuGraphNodeHandle node);

    /// <summary><c>cuGraphAddMemsetNode</c>: <paramref name="height"/> rows of <paramref name="widthElements"/> elements.</summary>
    CudaStatus AddMemsetNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, ulong destination, ulong pitch, uint value,
        MemsetElementSize elementSize, ulong widthElements, ulong height, out GpuGraphNodeHandle node);

    /// <summary><c>cuGraphAddMemcpyNode</c> from device memory to device memory (both sides of <paramref name="copy"/> are device addresses).</summary>
    CudaStatus AddMemcpyNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, in MemoryCopy2D copy, out GpuGraphNodeHandle node);

    /// <summary><c>cuGraphAddEmptyNode</c>.</summary>
    CudaStatus AddEmptyNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, out GpuGraphNodeHandle node);

    /// <summary><c>cuGraphAddDependencies</c>: <c>to[i]</c> depends on <c>from[i]</c>.</summary>
    CudaStatus AddGraphDependencies(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, ReadOnlySpan<GpuGraphNodeHandle> dependents);

    /// <summary><c>cuGraphNodeGetType</c>.</summary>
    CudaStatus GetGraphNodeType(GpuGraphNodeHandle node, out GraphNodeType type);

    /// <summary><c>cuGraphKernelNodeSetParams_v2</c>.</summary>
    CudaStatus SetKernelNodeParams(GpuGraphNodeHandle node, GpuFunctionHandle kernel, in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters);

    /// <summary><c>cuGraphInstantiateWithFlags</c>.</summary>
    CudaStatus InstantiateGraph(GpuGraphHandle graph, ulong flags, out GpuGraphExecHandle exec);

    /// <summary><c>cuGraphLaunch</c> (stream-ordered).</summary>
    CudaStatus LaunchGraph(GpuGraphExecHandle exec, GpuStreamHandle stream);

    /// <summary><c>cuGraphUpload</c> (stream-ordered).</summary>
    CudaStatus UploadGraph(GpuGraphExecHandle exec, GpuStreamHandle stream);

    /// <summary><c>cuGraphExecDestroy</c>.</summary>
    CudaStatus DestroyGraphExec(GpuGraphExecHandle exec);

    /// <summary><c>cuGraphExecKernelNodeSetParams_v2</c>: <paramref name="node"/> is the kernel node of the graph <paramref name="exec"/> was made from.</summary>
    CudaStatus SetGraphExecKernelNodeParams(GpuGraphExecHandle exec, GpuGraphNodeHandle node, GpuFunctionHandle kernel,
        in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters);
}
