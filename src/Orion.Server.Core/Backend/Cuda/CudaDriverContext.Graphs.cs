using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Stream capture and graphs on the real driver. The capture itself is the driver's: launches, memsets
/// and device-to-device copies the session queues on a capturing stream are captured by it. As for
/// streams and events, every graph, node and executable graph handle a call takes must be one this
/// context got from the driver; a node is known once the driver reported it (added, listed, or a
/// capture dependency), and only as a node of its graph.
/// </summary>
internal sealed unsafe partial class CudaDriverContext
{
    /// <summary>Graphs made or captured here (a capture's graph from the moment it began).</summary>
    private readonly HashSet<nint> _graphs = [];
    /// <summary>Known nodes, each with its graph.</summary>
    private readonly Dictionary<nint, nint> _graphNodes = [];
    /// <summary>Executable graphs, each with the graph it was instantiated from.</summary>
    private readonly Dictionary<nint, nint> _graphExecs = [];
    /// <summary>Captures begun here and not ended: origin stream to the graph being built.</summary>
    private readonly Dictionary<nint, nint> _captures = [];

    public CudaStatus BeginCapture(GpuStreamHandle stream, out GpuGraphHandle graph)
    {
        graph = default;
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (stream.IsNull)
        {
            return CudaStatus.StreamCaptureUnsupported; // the legacy default stream cannot capture
        }

        // Relaxed, whatever the program asked for: see IGpuContext.BeginCapture.
        status = CudaDriverApi.StreamBeginCapture(stream.Value, CudaDriverApi.StreamCaptureModeRelaxed);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        int captureStatus;
        ulong id;
        nint building;
        status = CudaDriverApi.StreamGetCaptureInfo(stream.Value, &captureStatus, &id, &building, null, null, null);
        if (status == CudaStatus.Success)
        {
            _graphs.Add(building);
            _captures[stream.Value] = building;
            graph = new GpuGraphHandle(building);
        }

        return status;
    }

    public CudaStatus EndCapture(GpuStreamHandle stream, out GpuGraphHandle graph)
    {
        graph = default;
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // The graph being built, so that an invalidated capture's graph (which the driver frees) is forgotten.
        int captureStatus;
        ulong id;
        nint building = 0;
        if (CudaDriverApi.StreamGetCaptureInfo(stream.Value, &captureStatus, &id, &building, null, null, null) != CudaStatus.Success)
        {
            building = 0;
        }

        nint captured = 0;
        status = CudaDriverApi.StreamEndCapture(stream.Value, &captured);
        bool ended = status == CudaStatus.Success || CaptureEnded(stream);
        if (ended)
        {
            _captures.Remove(stream.Value);
        }

        if (status == CudaStatus.Success && captured != 0)
        {
            if (building != 0 && building != captured)
            {
                ForgetGraph(building);
            }

            _graphs.Add(captured);
            graph = new GpuGraphHandle(captured);
        }
        else if (building != 0 && ended)
        {
            ForgetGraph(building);
        }

        return status;
    }

    public CudaStatus GetCaptureInfo(GpuStreamHandle stream, out StreamCaptureStatus status, out ulong captureId, out GpuGraphHandle graph)
    {
        status = StreamCaptureStatus.None;
        captureId = 0;
        graph = default;
        CudaStatus ready = Ready(stream);
        if (ready != CudaStatus.Success)
        {
            return ready;
        }

        int captureStatus;
        ulong id;
        nint building;
        CudaStatus result = CudaDriverApi.StreamGetCaptureInfo(stream.Value, &captureStatus, &id, &building, null, null, null);
        if (result == CudaStatus.Success && captureStatus != (int)StreamCaptureStatus.None)
        {
            status = (StreamCaptureStatus)captureStatus;
            captureId = id;
            graph = new GpuGraphHandle(building);
        }

        return result;
    }

    public CudaStatus GetCaptureDependencies(GpuStreamHandle stream, out GpuGraphNodeHandle[] dependencies)
    {
        dependencies = [];
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        int captureStatus;
        ulong id;
        nint building;
        nint* nodes = null;
        void* edgeData = null;
        nuint count = 0;
        status = CudaDriverApi.StreamGetCaptureInfo(stream.Value, &captureStatus, &id, &building, &nodes, &edgeData, &count);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (captureStatus != (int)StreamCaptureStatus.Active)
        {
            return CudaStatus.IllegalState;
        }

        dependencies = new GpuGraphNodeHandle[(int)count];
        for (int i = 0; i < dependencies.Length; i++)
        {
            _graphNodes[nodes[i]] = building;
            dependencies[i] = new GpuGraphNodeHandle(nodes[i]);
        }

        return CudaStatus.Success;
    }

    public CudaStatus CreateGraph(out GpuGraphHandle graph)
    {
        graph = default;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nint created;
        status = CudaDriverApi.GraphCreate(&created, 0);
        if (status == CudaStatus.Success)
        {
            _graphs.Add(created);
            graph = new GpuGraphHandle(created);
        }

        return status;
    }

    public CudaStatus DestroyGraph(GpuGraphHandle graph)
    {
        CudaStatus status = Ready(_graphs.Contains(graph.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        status = CudaDriverApi.GraphDestroy(graph.Value);
        if (status == CudaStatus.Success)
        {
            ForgetGraph(graph.Value);
        }

        return status;
    }

    public CudaStatus GetGraphNodes(GpuGraphHandle graph, out GpuGraphNodeHandle[] nodes)
    {
        nodes = [];
        CudaStatus status = Ready(_graphs.Contains(graph.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nuint count = 0;
        status = CudaDriverApi.GraphGetNodes(graph.Value, null, &count);
        if (status != CudaStatus.Success || count == 0)
        {
            return status;
        }

        var listed = new nint[(int)count];
        fixed (nint* first = listed)
        {
            status = CudaDriverApi.GraphGetNodes(graph.Value, first, &count);
        }

        if (status != CudaStatus.Success)
        {
            return status;
        }

        nodes = new GpuGraphNodeHandle[Math.Min((int)count, listed.Length)];
        for (int i = 0; i < nodes.Length; i++)
        {
            _graphNodes[listed[i]] = graph.Value;
            nodes[i] = new GpuGraphNodeHandle(listed[i]);
        }

        return CudaStatus.Success;
    }

    public CudaStatus AddKernelNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, GpuFunctionHandle kernel,
        in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters, out GpuGraphNodeHandle node)
    {
        node = default;
        CudaStatus status = ReadyForNode(graph, dependencies, out nint[] after);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (CheckKernel(kernel, parameters, out int required) is { } refused)
        {
            return refused;
        }

        nint added = 0;
        fixed (nint* first = after)
        fixed (byte* packed = parameters)
        {
            nuint size = (nuint)required;
            void** extra = stackalloc void*[5];
            CuKernelNodeParams nodeParameters = KernelNodeParameters(kernel, configuration, packed, &size, extra, required);
            status = CudaDriverApi.GraphAddKernelNode(&added, graph.Value, first, (nuint)after.Length, &nodeParameters);
        }

        return Added(status, graph, added, out node);
    }

    public CudaStatus AddMemsetNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, ulong destination, ulong pitch, uint value,
        MemsetElementSize elementSize, ulong widthElements, ulong height, out GpuGraphNodeHandle node)
    {
        node = default;
        CudaStatus status = ReadyForNode(graph, dependencies, out nint[] after);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        var memset = new CuMemsetNodeParams
        {
            Destination = destination,
            Pitch = (nuint)pitch,
            Value = value,
            ElementSize = (uint)elementSize,
            Width = (nuint)widthElements,
            Height = (nuint)height,
        };
        nint added = 0;
        fixed (nint* first = after)
        {
            status = CudaDriverApi.GraphAddMemsetNode(&added, graph.Value, first, (nuint)after.Length, &memset, _context);
        }

        return Added(status, graph, added, out node);
    }

    public CudaStatus AddMemcpyNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, in MemoryCopy2D copy, out GpuGraphNodeHandle node)
    {
        node = default;
        CudaStatus status = ReadyForNode(graph, dependencies, out nint[] after);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (copy.SourceLocation != MemoryLocation.Device || copy.DestinationLocation != MemoryLocation.Device)
        {
            return CudaStatus.InvalidValue; // host memory is the client's: a node could never reach it
        }

        var copy3D = new CuMemcpy3D
        {
            SrcMemoryType = CuMemoryType.Device,
            SrcDevice = copy.Source,
            SrcPitch = (nuint)copy.SourcePitch,
            SrcHeight = (nuint)copy.Height,
            DstMemoryType = CuMemoryType.Device,
            DstDevice = copy.Destination,
            DstPitch = (nuint)copy.DestinationPitch,
            DstHeight = (nuint)copy.Height,
            WidthInBytes = (nuint)copy.WidthBytes,
            Height = (nuint)copy.Height,
            Depth = 1,
        };
        nint added = 0;
        fixed (nint* first = after)
        {
            status = CudaDriverApi.GraphAddMemcpyNode(&added, graph.Value, first, (nuint)after.Length, &copy3D, _context);
        }

        return Added(status, graph, added, out node);
    }

    public CudaStatus AddEmptyNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, out GpuGraphNodeHandle node)
    {
        node = default;
        CudaStatus status = ReadyForNode(graph, dependencies, out nint[] after);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nint added = 0;
        fixed (nint* first = after)
        {
            status = CudaDriverApi.GraphAddEmptyNode(&added, graph.Value, first, (nuint)after.Length);
        }

        return Added(status, graph, added, out node);
    }

    public CudaStatus AddGraphDependencies(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, ReadOnlySpan<GpuGraphNodeHandle> dependents)
    {
        if (dependencies.Length != dependents.Length)
        {
            return CudaStatus.InvalidValue;
        }

        CudaStatus status = ReadyForNode(graph, dependencies, out nint[] fromNodes);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        status = ReadyForNode(graph, dependents, out nint[] toNodes);
        if (status != CudaStatus.Success || fromNodes.Length == 0)
        {
            return status;
        }

        fixed (nint* first = fromNodes)
        fixed (nint* second = toNodes)
        {
            return CudaDriverApi.GraphAddDependencies(graph.Value, first, second, null, (nuint)fromNodes.Length);
        }
    }

    public CudaStatus GetGraphNodeType(GpuGraphNodeHandle node, out GraphNodeType type)
    {
        type = default;
        CudaStatus status = Ready(_graphNodes.ContainsKey(node.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        int value;
        status = CudaDriverApi.GraphNodeGetType(node.Value, &value);
        type = (GraphNodeType)value;
        return status;
    }

    public CudaStatus SetKernelNodeParams(GpuGraphNodeHandle node, GpuFunctionHandle kernel, in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters)
    {
        CudaStatus status = Ready(_graphNodes.ContainsKey(node.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (CheckKernel(kernel, parameters, out int required) is { } refused)
        {
            return refused;
        }

        fixed (byte* packed = parameters)
        {
            nuint size = (nuint)required;
            void** extra = stackalloc void*[5];
            CuKernelNodeParams nodeParameters = KernelNodeParameters(kernel, configuration, packed, &size, extra, required);
            return CudaDriverApi.GraphKernelNodeSetParams(node.Value, &nodeParameters);
        }
    }

    public CudaStatus InstantiateGraph(GpuGraphHandle graph, ulong flags, out GpuGraphExecHandle exec)
    {
        exec = default;
        CudaStatus status = Ready(_graphs.Contains(graph.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nint instantiated;
        status = CudaDriverApi.GraphInstantiateWithFlags(&instantiated, graph.Value, flags);
        if (status == CudaStatus.Success)
        {
            _graphExecs.Add(instantiated, graph.Value);
            exec = new GpuGraphExecHandle(instantiated);
        }

        return status;
    }

    public CudaStatus LaunchGraph(GpuGraphExecHandle exec, GpuStreamHandle stream) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s
            : !_graphExecs.ContainsKey(exec.Value) ? CudaStatus.InvalidHandle
            : CudaDriverApi.GraphLaunch(exec.Value, stream.Value);

    public CudaStatus UploadGraph(GpuGraphExecHandle exec, GpuStreamHandle stream) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s
            : !_graphExecs.ContainsKey(exec.Value) ? CudaStatus.InvalidHandle
            : CudaDriverApi.GraphUpload(exec.Value, stream.Value);

    public CudaStatus DestroyGraphExec(GpuGraphExecHandle exec) =>
        MakeCurrent() is var s && s != CudaStatus.Success ? s
            : !_graphExecs.Remove(exec.Value) ? CudaStatus.InvalidHandle
            : CudaDriverApi.GraphExecDestroy(exec.Value);

    public CudaStatus SetGraphExecKernelNodeParams(GpuGraphExecHandle exec, GpuGraphNodeHandle node, GpuFunctionHandle kernel,
        in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters)
    {
        CudaStatus status = Ready(_graphExecs.TryGetValue(exec.Value, out nint source) && _graphNodes.TryGetValue(node.Value, out nint graph) && graph == source);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (CheckKernel(kernel, parameters, out int required) is { } refused)
        {
            return refused;
        }

        fixed (byte* packed = parameters)
        {
            nuint size = (nuint)required;
            void** extra = stackalloc void*[5];
            CuKernelNodeParams nodeParameters = KernelNodeParameters(kernel, configuration, packed, &size, extra, required);
            return CudaDriverApi.GraphExecKernelNodeSetParams(exec.Value, node.Value, &nodeParameters);
        }
    }

    /// <summary>
    /// Ends a capture that <paramref name="stream"/> began before the stream goes, and destroys what it
    /// captured: the session has no stream left to end it on, and the graph would otherwise outlive it.
    /// </summary>
    private void EndCaptureOf(nint stream)
    {
        if (!_captures.Remove(stream, out nint building))
        {
            return;
        }

        nint captured = 0;
        CudaStatus ended = CudaDriverApi.StreamEndCapture(stream, &captured);
        ForgetGraph(building); // an ended capture's graph is the one returned, or gone with an invalidated capture
        if (ended == CudaStatus.Success && captured != 0)
        {
            CudaDriverApi.GraphDestroy(captured);
            ForgetGraph(captured);
        }
    }

    /// <summary>Destroys the executable graphs and graphs the session left (cuCtxDestroy does not: graphs are not the context's).</summary>
    private void DestroyGraphObjects()
    {
        if (_captures.Count > 0 && MakeCurrent() == CudaStatus.Success)
        {
            foreach (nint stream in _captures.Keys.ToArray())
            {
                EndCaptureOf(stream);
            }
        }

        foreach (nint exec in _graphExecs.Keys)
        {
            CudaDriverApi.GraphExecDestroy(exec);
        }

        foreach (nint graph in _graphs)
        {
            CudaDriverApi.GraphDestroy(graph);
        }

        _graphExecs.Clear();
        _graphs.Clear();
        _graphNodes.Clear();
        _captures.Clear();
    }

    /// <summary>Whether the stream is known to capture no longer (false also when that cannot be asked).</summary>
    private static bool CaptureEnded(GpuStreamHandle stream)
    {
        int captureStatus;
        ulong id;
        nint building;
        return CudaDriverApi.StreamGetCaptureInfo(stream.Value, &captureStatus, &id, &building, null, null, null) == CudaStatus.Success
            && captureStatus == (int)StreamCaptureStatus.None;
    }

    private void ForgetGraph(nint graph)
    {
        _graphs.Remove(graph);
        foreach (var (node, owner) in _graphNodes.ToArray())
        {
            if (owner == graph)
            {
                _graphNodes.Remove(node);
            }
        }
    }

    /// <summary><see cref="MakeCurrent"/>, then checks the graph and that every node is a known node of it.</summary>
    private CudaStatus ReadyForNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> nodes, out nint[] raw)
    {
        raw = new nint[nodes.Length];
        CudaStatus status = Ready(_graphs.Contains(graph.Value));
        if (status != CudaStatus.Success)
        {
            return status;
        }

        for (int i = 0; i < nodes.Length; i++)
        {
            if (!_graphNodes.TryGetValue(nodes[i].Value, out nint owner) || owner != graph.Value)
            {
                return CudaStatus.InvalidValue;
            }

            raw[i] = nodes[i].Value;
        }

        return CudaStatus.Success;
    }

    /// <summary>A function of this context and at least its packed parameter bytes (the driver reads exactly that many).</summary>
    private CudaStatus? CheckKernel(GpuFunctionHandle kernel, ReadOnlySpan<byte> parameters, out int required)
    {
        if (!_parameterBytes.TryGetValue(kernel.Value, out required))
        {
            return CudaStatus.InvalidHandle;
        }

        return parameters.Length < required ? CudaStatus.InvalidValue : null;
    }

    /// <summary>
    /// The node's parameters with the packed buffer passed as for a launch (<c>CU_LAUNCH_PARAM_BUFFER_POINTER</c>
    /// in <c>extra</c>, which the driver copies when the node is made or changed); no <c>extra</c> for a kernel
    /// without parameters. <paramref name="extra"/> has room for five entries.
    /// </summary>
    private static CuKernelNodeParams KernelNodeParameters(GpuFunctionHandle kernel, in LaunchConfiguration configuration, byte* packed, nuint* size,
        void** extra, int required)
    {
        extra[0] = LaunchParamBufferPointer;
        extra[1] = packed;
        extra[2] = LaunchParamBufferSize;
        extra[3] = size;
        extra[4] = null; // CU_LAUNCH_PARAM_END
        return new CuKernelNodeParams
        {
            Function = kernel.Value,
            GridDimX = configuration.Grid.X,
            GridDimY = configuration.Grid.Y,
            GridDimZ = configuration.Grid.Z,
            BlockDimX = configuration.Block.X,
            BlockDimY = configuration.Block.Y,
            BlockDimZ = configuration.Block.Z,
            SharedMemBytes = configuration.SharedMemoryBytes,
            Extra = required == 0 ? null : extra,
        };
    }

    private CudaStatus Added(CudaStatus status, GpuGraphHandle graph, nint added, out GpuGraphNodeHandle node)
    {
        node = default;
        if (status == CudaStatus.Success)
        {
            _graphNodes[added] = graph.Value;
            node = new GpuGraphNodeHandle(added);
        }

        return status;
    }
}
