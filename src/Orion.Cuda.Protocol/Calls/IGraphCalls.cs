using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>
/// Stream capture and CUDA graphs. Graphs, their nodes and executable graphs are server objects named
/// by client-chosen handles, like streams. A capture runs on the server's real stream: launches,
/// memsets and device-to-device copies the client queues on a capturing stream become nodes there.
/// Copies between the client's host memory and the device cannot be captured (the server stages them
/// through buffers of its own), so on a capturing stream they fail with
/// <c>CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED</c>, as do host functions and stream-ordered allocations.
/// </summary>
/// <remarks>
/// Nodes the server reports for the first time (<see cref="GetGraphNodes"/>, <see cref="GetCaptureDependencies"/>)
/// are named from a range the client reserved: <c>firstNewNode</c>, <c>firstNewNode + 1</c>, ... in the
/// order they are listed; a node named before keeps its handle.
/// </remarks>
[RemoteCallArea("Graphs")]
public interface IGraphCalls
{
    /// <summary>
    /// <c>cuStreamBeginCapture_v2</c>; the graph being built is named <paramref name="graph"/> at once
    /// (<see cref="GetCaptureInfo"/> reports it, <see cref="EndCapture"/> returns it). The server captures
    /// in relaxed mode whatever mode the program asked for (docs/driver-front-end.md says why).
    /// </summary>
    [RemoteCall(90, CallMode.Synchronous)]
    CudaStatus BeginCapture([Handle(HandleKind.Stream)] ulong stream, [Handle(HandleKind.Graph, New = true)] ulong graph);

    /// <summary><c>cuStreamEndCapture</c> on the capture's origin stream: the captured graph's handle (0 when the capture was invalidated).</summary>
    [RemoteCall(91, CallMode.Synchronous)]
    CudaStatus EndCapture([Handle(HandleKind.Stream)] ulong stream, out ulong graph);

    /// <summary>
    /// <c>cuStreamGetCaptureInfo</c>: <paramref name="captureStatus"/> is a <c>CUstreamCaptureStatus</c>
    /// (0 none, 1 active, 2 invalidated); the capture's id and graph are 0 when none is active.
    /// </summary>
    [RemoteCall(92, CallMode.Synchronous)]
    CudaStatus GetCaptureInfo([Handle(HandleKind.Stream)] ulong stream, out int captureStatus, out ulong captureId, out ulong graph);

    /// <summary>The nodes the next node captured on the stream will depend on (<c>cuStreamGetCaptureInfo</c>'s dependencies).</summary>
    [RemoteCall(93, CallMode.Synchronous)]
    CudaStatus GetCaptureDependencies([Handle(HandleKind.Stream)] ulong stream, [Handle(HandleKind.GraphNode, New = true)] ulong firstNewNode,
        [Handle(HandleKind.GraphNode), MaxCount(ProtocolLimits.MaxGraphNodeDependencies)] out WireHandle[] dependencies);

    /// <summary><c>cuGraphCreate</c> on the current device.</summary>
    [RemoteCall(94, CallMode.Synchronous)]
    CudaStatus CreateGraph([Handle(HandleKind.Graph, New = true)] ulong graph, uint flags);

    /// <summary><c>cuGraphDestroy</c>: the graph and its nodes (executable graphs made from it stay).</summary>
    [RemoteCall(95, CallMode.Synchronous)]
    CudaStatus DestroyGraph([Handle(HandleKind.Graph)] ulong graph);

    /// <summary>
    /// <c>cuGraphGetNodes</c>: the graph's node count, and up to <paramref name="capacity"/> of its nodes
    /// from index <paramref name="firstIndex"/> on.
    /// </summary>
    [RemoteCall(96, CallMode.Synchronous)]
    CudaStatus GetGraphNodes([Handle(HandleKind.Graph)] ulong graph, uint firstIndex, [Limit(ProtocolLimits.MaxGraphNodesPerReply)] uint capacity,
        [Handle(HandleKind.GraphNode, New = true)] ulong firstNewNode, out uint count,
        [Handle(HandleKind.GraphNode), MaxCount(ProtocolLimits.MaxGraphNodesPerReply)] out WireHandle[] nodes);

    /// <summary><c>cuGraphAddKernelNode_v2</c> with the parameters packed by the function's layout, as <c>Launch</c> takes them.</summary>
    [RemoteCall(97, CallMode.Synchronous)]
    CudaStatus AddKernelNode([Handle(HandleKind.Graph)] ulong graph, [Handle(HandleKind.GraphNode, New = true)] ulong node,
        [Handle(HandleKind.GraphNode), MaxCount(ProtocolLimits.MaxGraphNodeDependencies)] WireHandle[] dependencies,
        [Handle(HandleKind.Function)] ulong functionHandle, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        [MaxBytes(ProtocolLimits.MaxKernelParameterBytes)] ReadOnlySpan<byte> parameters);

    /// <summary><c>cuGraphAddMemsetNode</c>: <paramref name="height"/> rows of <paramref name="widthElements"/> elements, <paramref name="pitch"/> bytes apart.</summary>
    [RemoteCall(98, CallMode.Synchronous)]
    CudaStatus AddMemsetNode([Handle(HandleKind.Graph)] ulong graph, [Handle(HandleKind.GraphNode, New = true)] ulong node,
        [Handle(HandleKind.GraphNode), MaxCount(ProtocolLimits.MaxGraphNodeDependencies)] WireHandle[] dependencies,
        ulong destination, ulong pitch, uint value, MemsetElementSize elementSize,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthElements, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height);

    /// <summary><c>cuGraphAddMemcpyNode</c> between device memory only: <paramref name="height"/> rows of <paramref name="widthBytes"/> bytes.</summary>
    [RemoteCall(99, CallMode.Synchronous)]
    CudaStatus AddMemcpyNode([Handle(HandleKind.Graph)] ulong graph, [Handle(HandleKind.GraphNode, New = true)] ulong node,
        [Handle(HandleKind.GraphNode), MaxCount(ProtocolLimits.MaxGraphNodeDependencies)] WireHandle[] dependencies,
        ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        [Limit(ProtocolLimits.MaxTransferBytes)] ulong widthBytes, [Limit(ProtocolLimits.MaxTransferBytes)] ulong height);

    /// <summary><c>cuGraphAddEmptyNode</c>.</summary>
    [RemoteCall(100, CallMode.Synchronous)]
    CudaStatus AddEmptyNode([Handle(HandleKind.Graph)] ulong graph, [Handle(HandleKind.GraphNode, New = true)] ulong node,
        [Handle(HandleKind.GraphNode), MaxCount(ProtocolLimits.MaxGraphNodeDependencies)] WireHandle[] dependencies);

    /// <summary><c>cuGraphAddDependencies</c>: <c>dependents[i]</c> comes to depend on <c>dependencies[i]</c>; both arrays are equally long.</summary>
    [RemoteCall(101, CallMode.Synchronous)]
    CudaStatus AddGraphDependencies([Handle(HandleKind.Graph)] ulong graph,
        [Handle(HandleKind.GraphNode), MaxCount(ProtocolLimits.MaxGraphNodeDependencies)] WireHandle[] dependencies,
        [Handle(HandleKind.GraphNode), MaxCount(ProtocolLimits.MaxGraphNodeDependencies)] WireHandle[] dependents);

    /// <summary><c>cuGraphNodeGetType</c>: a <c>CUgraphNodeType</c> value.</summary>
    [RemoteCall(102, CallMode.Synchronous)]
    CudaStatus GetGraphNodeType([Handle(HandleKind.GraphNode)] ulong node, out int type);

    /// <summary><c>cuGraphKernelNodeSetParams_v2</c>: the node's kernel, geometry and packed parameters.</summary>
    [RemoteCall(103, CallMode.Synchronous)]
    CudaStatus SetKernelNodeParams([Handle(HandleKind.GraphNode)] ulong node, [Handle(HandleKind.Function)] ulong functionHandle, Dim3 grid, Dim3 block,
        uint sharedMemoryBytes, [MaxBytes(ProtocolLimits.MaxKernelParameterBytes)] ReadOnlySpan<byte> parameters);

    /// <summary><c>cuGraphInstantiateWithFlags</c> (<c>CUgraphInstantiate_flags</c>).</summary>
    [RemoteCall(104, CallMode.Synchronous)]
    CudaStatus InstantiateGraph([Handle(HandleKind.Graph)] ulong graph, [Handle(HandleKind.GraphExec, New = true)] ulong exec, ulong flags);

    /// <summary><c>cuGraphLaunch</c>: queued like a kernel launch; a failure surfaces at the next synchronizing call.</summary>
    [RemoteCall(105, CallMode.Asynchronous)]
    CudaStatus LaunchGraph([Handle(HandleKind.GraphExec)] ulong exec, [Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuGraphUpload</c>: queued like <see cref="LaunchGraph"/>.</summary>
    [RemoteCall(106, CallMode.Asynchronous)]
    CudaStatus UploadGraph([Handle(HandleKind.GraphExec)] ulong exec, [Handle(HandleKind.Stream)] ulong stream);

    /// <summary><c>cuGraphExecDestroy</c>.</summary>
    [RemoteCall(107, CallMode.Synchronous)]
    CudaStatus DestroyGraphExec([Handle(HandleKind.GraphExec)] ulong exec);

    /// <summary>
    /// <c>cuGraphExecKernelNodeSetParams_v2</c>: changes the kernel node <paramref name="node"/> (of the graph
    /// the executable graph was made from) in the executable graph only.
    /// </summary>
    [RemoteCall(108, CallMode.Synchronous)]
    CudaStatus SetGraphExecKernelNodeParams([Handle(HandleKind.GraphExec)] ulong exec, [Handle(HandleKind.GraphNode)] ulong node,
        [Handle(HandleKind.Function)] ulong functionHandle, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        [MaxBytes(ProtocolLimits.MaxKernelParameterBytes)] ReadOnlySpan<byte> parameters);
}
