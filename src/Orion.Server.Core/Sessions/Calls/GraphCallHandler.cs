using Orion.Cuda.Protocol.Calls;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>
/// The graphs area: stream capture on the session's streams, graphs built node by node, executable
/// graphs. Every graph lives in the context of one device (the stream's for a capture, the current
/// one otherwise); its nodes may only name that device's functions and memory of this session, and
/// may only depend on nodes of the same graph.
/// </summary>
internal sealed class GraphCallHandler(SessionObjects objects) : IGraphCalls
{
    // ---- stream capture ----

    public CudaStatus BeginCapture(ulong stream, ulong graph)
    {
        if (stream < ProtocolLimits.FirstClientHandle)
        {
            // The default streams cannot capture (Orion runs the per-thread one as the legacy one).
            return CudaStatus.StreamCaptureUnsupported;
        }
        if (!objects.Tables.TryGetStream(stream, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (CheckNewGraph(graph) is { } refused)
        {
            return refused;
        }
        var context = objects.ContextOf(entry.Device);
        var status = context.BeginCapture(entry.Stream, out var gpuGraph);
        if (status == CudaStatus.Success)
        {
            objects.Tables.TryAddGraph(graph, new SessionTables.GraphEntry(entry.Device, gpuGraph, captureStream: stream));
        }
        return status;
    }

    public CudaStatus EndCapture(ulong stream, out ulong graph)
    {
        graph = 0;
        if (stream < ProtocolLimits.FirstClientHandle)
        {
            return CudaStatus.IllegalState; // a default stream never captures
        }
        if (!objects.Tables.TryGetStream(stream, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var context = objects.ContextOf(entry.Device);
        // The capture's graph, named when it began here (found before ending: an invalidated capture's graph goes with it).
        var captureStatus = context.GetCaptureInfo(entry.Stream, out var capture, out _, out var building);
        var named = captureStatus == CudaStatus.Success && capture != StreamCaptureStatus.None ? objects.Tables.FindGraph(entry.Device, building) : 0;
        var status = context.EndCapture(entry.Stream, out var captured);
        if (named == 0 || !objects.Tables.TryGetGraph(named, out var graphEntry) || graphEntry.CaptureStream != stream)
        {
            return status; // not this stream's capture (CUDA says why: not capturing, not the origin stream)
        }
        if (status == CudaStatus.Success)
        {
            objects.Tables.EndCapture(named, captured);
            graph = named;
        }
        else if (context.GetCaptureInfo(entry.Stream, out var after, out _, out _) != CudaStatus.Success || after == StreamCaptureStatus.None)
        {
            objects.Tables.RemoveGraph(named); // the capture ended without a graph
        }
        return status;
    }

    public CudaStatus GetCaptureInfo(ulong stream, out int captureStatus, out ulong captureId, out ulong graph)
    {
        captureStatus = 0;
        captureId = 0;
        graph = 0;
        if (stream < ProtocolLimits.FirstClientHandle)
        {
            return objects.ResolveStream(stream, out _) ?? CudaStatus.Success; // the default streams never capture here
        }
        if (!objects.Tables.TryGetStream(stream, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(entry.Device).GetCaptureInfo(entry.Stream, out var capture, out captureId, out var building);
        if (status == CudaStatus.Success && capture != StreamCaptureStatus.None)
        {
            captureStatus = (int)capture;
            graph = objects.Tables.FindGraph(entry.Device, building);
        }
        return status;
    }

    public CudaStatus GetCaptureDependencies(ulong stream, ulong firstNewNode, out WireHandle[] dependencies)
    {
        dependencies = [];
        if (stream < ProtocolLimits.FirstClientHandle || !objects.Tables.TryGetStream(stream, out var entry))
        {
            return stream < ProtocolLimits.FirstClientHandle ? CudaStatus.IllegalState : CudaStatus.InvalidHandle;
        }
        var context = objects.ContextOf(entry.Device);
        var status = context.GetCaptureInfo(entry.Stream, out var capture, out _, out var building);
        if (status != CudaStatus.Success)
        {
            return status;
        }
        var graphHandle = capture == StreamCaptureStatus.Active ? objects.Tables.FindGraph(entry.Device, building) : 0;
        if (graphHandle == 0 || !objects.Tables.TryGetGraph(graphHandle, out var graph))
        {
            return CudaStatus.IllegalState; // only an active capture has dependencies
        }
        status = context.GetCaptureDependencies(entry.Stream, out var nodes);
        if (status != CudaStatus.Success)
        {
            return status;
        }
        if (nodes.Length > ProtocolLimits.MaxGraphNodeDependencies)
        {
            return CudaStatus.NotSupported;
        }
        return Name(graphHandle, graph, nodes, firstNewNode, out dependencies);
    }

    // ---- graphs and nodes ----

    public CudaStatus CreateGraph(ulong graph, uint flags)
    {
        var status = objects.WithContext(out var context) ?? CheckNewGraph(graph);
        if (status is not null)
        {
            return status.Value;
        }
        if (flags != 0)
        {
            return CudaStatus.InvalidValue;
        }
        var created = context.CreateGraph(out var gpuGraph);
        if (created == CudaStatus.Success)
        {
            objects.Tables.TryAddGraph(graph, new SessionTables.GraphEntry(objects.CurrentDevice, gpuGraph, captureStream: 0));
        }
        return created;
    }

    public CudaStatus DestroyGraph(ulong graph)
    {
        if (!objects.Tables.TryGetGraph(graph, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (StillCapturing(entry))
        {
            return CudaStatus.IllegalState; // CUDA's capture owns it until the capture ends
        }
        var status = entry.IsBeingCaptured
            ? CudaStatus.Success // its capture ended without it (the stream went away): the driver has let it go
            : objects.ContextOf(entry.Device).DestroyGraph(entry.Graph);
        objects.Tables.RemoveGraph(graph);
        return status;
    }

    public CudaStatus GetGraphNodes(ulong graph, uint firstIndex, uint capacity, ulong firstNewNode, out uint count, out WireHandle[] nodes)
    {
        count = 0;
        nodes = [];
        if (!objects.Tables.TryGetGraph(graph, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(entry.Device).GetGraphNodes(entry.Graph, out var all);
        if (status != CudaStatus.Success)
        {
            return status;
        }
        count = (uint)all.Length;
        if (capacity == 0 || firstIndex >= all.Length)
        {
            return CudaStatus.Success;
        }
        var page = all.AsSpan((int)firstIndex, (int)Math.Min(capacity, (uint)all.Length - firstIndex));
        return Name(graph, entry, page, firstNewNode, out nodes);
    }

    public CudaStatus AddKernelNode(ulong graph, ulong node, WireHandle[] dependencies, ulong functionHandle, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        ReadOnlySpan<byte> parameters)
    {
        if (PrepareNode(graph, node, dependencies, out var entry, out var context, out var after) is { } refused)
        {
            return refused;
        }
        if (Kernel(entry.Device, functionHandle, parameters, out var kernel) is { } badKernel)
        {
            return badKernel;
        }
        var status = context.AddKernelNode(entry.Graph, after, kernel, new LaunchConfiguration(grid, block, sharedMemoryBytes), parameters, out var added);
        return Added(status, graph, node, entry, added);
    }

    public CudaStatus AddMemsetNode(ulong graph, ulong node, WireHandle[] dependencies, ulong destination, ulong pitch, uint value, MemsetElementSize elementSize,
        ulong widthElements, ulong height)
    {
        if (PrepareNode(graph, node, dependencies, out var entry, out var context, out var after) is { } refused)
        {
            return refused;
        }
        var rowBytes = widthElements * (ulong)elementSize;
        if (widthElements == 0 || height == 0 || (rowBytes > pitch && height > 1))
        {
            return CudaStatus.InvalidValue;
        }
        if (objects.CheckRange(destination, SessionObjects.PitchedExtent(pitch, rowBytes, height), entry.Device) is { } outside)
        {
            return outside;
        }
        var status = context.AddMemsetNode(entry.Graph, after, destination, height > 1 ? pitch : rowBytes, value, elementSize, widthElements, height, out var added);
        return Added(status, graph, node, entry, added);
    }

    public CudaStatus AddMemcpyNode(ulong graph, ulong node, WireHandle[] dependencies, ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        ulong widthBytes, ulong height)
    {
        if (PrepareNode(graph, node, dependencies, out var entry, out var context, out var after) is { } refused)
        {
            return refused;
        }
        if (widthBytes == 0 || height == 0 || (height > 1 && (widthBytes > sourcePitch || widthBytes > destinationPitch)))
        {
            return CudaStatus.InvalidValue;
        }
        if ((objects.CheckRange(source, SessionObjects.PitchedExtent(sourcePitch, widthBytes, height), entry.Device)
            ?? objects.CheckRange(destination, SessionObjects.PitchedExtent(destinationPitch, widthBytes, height), entry.Device)) is { } outside)
        {
            return outside;
        }
        var copy = new MemoryCopy2D(MemoryLocation.Device, source, height > 1 ? sourcePitch : widthBytes,
            MemoryLocation.Device, destination, height > 1 ? destinationPitch : widthBytes, widthBytes, height);
        var status = context.AddMemcpyNode(entry.Graph, after, copy, out var added);
        return Added(status, graph, node, entry, added);
    }

    public CudaStatus AddEmptyNode(ulong graph, ulong node, WireHandle[] dependencies)
    {
        if (PrepareNode(graph, node, dependencies, out var entry, out var context, out var after) is { } refused)
        {
            return refused;
        }
        return Added(context.AddEmptyNode(entry.Graph, after, out var added), graph, node, entry, added);
    }

    public CudaStatus AddGraphDependencies(ulong graph, WireHandle[] dependencies, WireHandle[] dependents)
    {
        if (!objects.Tables.TryGetGraph(graph, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (dependencies.Length != dependents.Length)
        {
            return CudaStatus.InvalidValue;
        }
        if (NodesOf(graph, dependencies, out var before) is { } badDependency)
        {
            return badDependency;
        }
        if (NodesOf(graph, dependents, out var after) is { } badDependent)
        {
            return badDependent;
        }
        return objects.ContextOf(entry.Device).AddGraphDependencies(entry.Graph, before, after);
    }

    public CudaStatus GetGraphNodeType(ulong node, out int type)
    {
        type = 0;
        if (!objects.Tables.TryGetGraphNode(node, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(entry.Device).GetGraphNodeType(entry.Node, out var nodeType);
        type = (int)nodeType;
        return status;
    }

    public CudaStatus SetKernelNodeParams(ulong node, ulong functionHandle, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ReadOnlySpan<byte> parameters)
    {
        if (!objects.Tables.TryGetGraphNode(node, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        return Kernel(entry.Device, functionHandle, parameters, out var kernel)
            ?? objects.ContextOf(entry.Device).SetKernelNodeParams(entry.Node, kernel, new LaunchConfiguration(grid, block, sharedMemoryBytes), parameters);
    }

    // ---- executable graphs ----

    public CudaStatus InstantiateGraph(ulong graph, ulong exec, ulong flags)
    {
        if (!objects.Tables.TryGetGraph(graph, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (objects.CheckNewHandle(exec) is { } badHandle)
        {
            return badHandle;
        }
        if (objects.Tables.GraphCounts().Execs >= SessionTables.MaxGraphExecs)
        {
            return CudaStatus.OutOfMemory;
        }
        if (entry.IsBeingCaptured)
        {
            return CudaStatus.IllegalState; // a capture is still building it
        }
        var status = objects.ContextOf(entry.Device).InstantiateGraph(entry.Graph, flags, out var gpuExec);
        if (status == CudaStatus.Success)
        {
            objects.Tables.TryAddGraphExec(exec, new SessionTables.GraphExecEntry(entry.Device, gpuExec));
        }
        return status;
    }

    public CudaStatus LaunchGraph(ulong exec, ulong stream) =>
        objects.Tables.TryGetGraphExec(exec, out var entry)
            ? objects.ResolveStream(stream, entry.Device, out var gpuStream) ?? objects.ContextOf(entry.Device).LaunchGraph(entry.Exec, gpuStream)
            : CudaStatus.InvalidHandle;

    public CudaStatus UploadGraph(ulong exec, ulong stream) =>
        objects.Tables.TryGetGraphExec(exec, out var entry)
            ? objects.ResolveStream(stream, entry.Device, out var gpuStream) ?? objects.ContextOf(entry.Device).UploadGraph(entry.Exec, gpuStream)
            : CudaStatus.InvalidHandle;

    public CudaStatus DestroyGraphExec(ulong exec)
    {
        if (!objects.Tables.TryGetGraphExec(exec, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(entry.Device).DestroyGraphExec(entry.Exec);
        objects.Tables.RemoveGraphExec(exec);
        return status;
    }

    public CudaStatus SetGraphExecKernelNodeParams(ulong exec, ulong node, ulong functionHandle, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        ReadOnlySpan<byte> parameters)
    {
        if (!objects.Tables.TryGetGraphExec(exec, out var entry) || !objects.Tables.TryGetGraphNode(node, out var nodeEntry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (nodeEntry.Device != entry.Device)
        {
            return CudaStatus.InvalidValue;
        }
        return Kernel(entry.Device, functionHandle, parameters, out var kernel)
            ?? objects.ContextOf(entry.Device).SetGraphExecKernelNodeParams(entry.Exec, nodeEntry.Node, kernel,
                new LaunchConfiguration(grid, block, sharedMemoryBytes), parameters);
    }

    // ---- helpers ----

    /// <summary>A new graph handle, within the session's bound.</summary>
    private CudaStatus? CheckNewGraph(ulong graph) =>
        objects.CheckNewHandle(graph) ?? (objects.Tables.GraphCounts().Graphs >= SessionTables.MaxGraphs ? CudaStatus.OutOfMemory : null);

    /// <summary>Whether the capture that builds <paramref name="entry"/> is still going (its origin stream still exists and captures).</summary>
    private bool StillCapturing(SessionTables.GraphEntry entry)
    {
        if (!entry.IsBeingCaptured || !objects.Tables.TryGetStream(entry.CaptureStream, out var stream))
        {
            return false;
        }
        var status = objects.ContextOf(stream.Device).GetCaptureInfo(stream.Stream, out var capture, out _, out var building);
        return status == CudaStatus.Success && capture != StreamCaptureStatus.None && building == entry.Graph;
    }

    /// <summary>The graph, a free handle for the new node, and the dependencies as backend nodes of that graph.</summary>
    private CudaStatus? PrepareNode(ulong graph, ulong node, WireHandle[] dependencies, out SessionTables.GraphEntry entry, out IGpuContext context,
        out GpuGraphNodeHandle[] after)
    {
        after = [];
        context = null!;
        if (!objects.Tables.TryGetGraph(graph, out entry))
        {
            return CudaStatus.InvalidHandle;
        }
        if (objects.CheckNewHandle(node) is { } badHandle)
        {
            return badHandle;
        }
        if (objects.Tables.GraphCounts().Nodes >= SessionTables.MaxGraphNodes)
        {
            return CudaStatus.OutOfMemory;
        }
        context = objects.ContextOf(entry.Device);
        return NodesOf(graph, dependencies, out after);
    }

    /// <summary>The backend nodes of <paramref name="handles"/>, each a node of <paramref name="graph"/>.</summary>
    private CudaStatus? NodesOf(ulong graph, WireHandle[] handles, out GpuGraphNodeHandle[] nodes)
    {
        nodes = new GpuGraphNodeHandle[handles.Length];
        for (var i = 0; i < handles.Length; i++)
        {
            if (!objects.Tables.TryGetGraphNode(handles[i].Value, out var node))
            {
                return CudaStatus.InvalidHandle;
            }
            if (node.Graph != graph)
            {
                return CudaStatus.InvalidValue; // a dependency across graphs
            }
            nodes[i] = node.Node;
        }
        return null;
    }

    /// <summary>The backend function for a kernel node of <paramref name="device"/>, with exactly its packed parameter bytes.</summary>
    private CudaStatus? Kernel(int device, ulong functionHandle, ReadOnlySpan<byte> parameters, out GpuFunctionHandle kernel)
    {
        kernel = default;
        if (!objects.Tables.TryGetFunction(functionHandle, out var function))
        {
            return CudaStatus.InvalidHandle;
        }
        if (function.Device != device || parameters.Length != function.ParameterBytes)
        {
            return CudaStatus.InvalidValue;
        }
        kernel = function.Function;
        return null;
    }

    private CudaStatus Added(CudaStatus status, ulong graph, ulong node, SessionTables.GraphEntry entry, GpuGraphNodeHandle added)
    {
        if (status == CudaStatus.Success)
        {
            objects.Tables.TryAddGraphNode(node, new SessionTables.GraphNodeEntry(entry.Device, graph, added));
        }
        return status;
    }

    /// <summary>
    /// The handles of <paramref name="nodes"/> of one graph: a node named before keeps its handle, the
    /// others are named <paramref name="firstNewNode"/>, <paramref name="firstNewNode"/> + 1, ... in order.
    /// </summary>
    private CudaStatus Name(ulong graphHandle, SessionTables.GraphEntry graph, ReadOnlySpan<GpuGraphNodeHandle> nodes, ulong firstNewNode, out WireHandle[] handles)
    {
        handles = new WireHandle[nodes.Length];
        var next = firstNewNode;
        for (var i = 0; i < nodes.Length; i++)
        {
            var known = objects.Tables.FindGraphNode(graph, nodes[i]);
            if (known == 0)
            {
                if (objects.CheckNewHandle(next) is { } badHandle)
                {
                    handles = [];
                    return badHandle;
                }
                if (objects.Tables.GraphCounts().Nodes >= SessionTables.MaxGraphNodes)
                {
                    handles = [];
                    return CudaStatus.OutOfMemory;
                }
                objects.Tables.TryAddGraphNode(next, new SessionTables.GraphNodeEntry(graph.Device, graphHandle, nodes[i]));
                known = next++;
            }
            handles[i] = new WireHandle(known);
        }
        return CudaStatus.Success;
    }
}
