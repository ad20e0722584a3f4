namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// Stream capture and graphs on the emulated device, in software: a capturing stream records its
/// launches, memsets and device-to-device copies as nodes instead of running them; launching an
/// executable graph runs its recorded operations in dependency order, at once, as every emulated
/// stream runs its work.
/// </summary>
/// <remarks>
/// What CUDA would also capture but this emulation refuses with <c>CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED</c>
/// (invalidating the capture, as CUDA does for an operation it cannot capture): host copies, peer
/// copies, host functions, stream-ordered allocation and graph launches (child graphs). Implicit
/// synchronization with the legacy default stream is not modelled.
/// </remarks>
internal sealed unsafe partial class EmulatedContext
{
    private const ulong InstantiateAutoFreeOnLaunch = 1;
    private const ulong InstantiateUseNodePriority = 8;

    /// <summary>Capture ids are unique in the process, as CUDA's are.</summary>
    private static long s_nextCaptureId;

    private readonly Dictionary<nint, EmulatedGraph> _graphs = [];
    private readonly Dictionary<nint, EmulatedGraphNode> _graphNodes = [];
    private readonly Dictionary<nint, EmulatedGraphExec> _graphExecs = [];
    private readonly Dictionary<nint, EmulatedCapture> _captures = []; // by capturing stream
    private readonly Dictionary<nint, (EmulatedCapture Capture, EmulatedGraphNode[] Dependencies)> _capturedEvents = [];

    /// <summary>Graphs and executable graphs alive in this context; tests read it to see cleanup.</summary>
    public int GraphObjectCount => _graphs.Count + _graphExecs.Count;

    // ---- capture ----

    public CudaStatus BeginCapture(GpuStreamHandle stream, out GpuGraphHandle graph)
    {
        graph = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (stream.IsNull)
        {
            return CudaStatus.StreamCaptureUnsupported; // the legacy default stream cannot capture
        }
        if (_captures.ContainsKey(stream.Value))
        {
            return CudaStatus.IllegalState;
        }
        var building = new EmulatedGraph(_nextHandle++) { BeingCaptured = true };
        _graphs.Add(building.Handle, building);
        var capture = new EmulatedCapture((ulong)Interlocked.Increment(ref s_nextCaptureId), building, stream.Value);
        capture.Dependencies[stream.Value] = [];
        _captures[stream.Value] = capture;
        graph = new GpuGraphHandle(building.Handle);
        return CudaStatus.Success;
    }

    public CudaStatus EndCapture(GpuStreamHandle stream, out GpuGraphHandle graph)
    {
        graph = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (stream.IsNull || !_captures.TryGetValue(stream.Value, out var capture))
        {
            return CudaStatus.IllegalState;
        }
        if (capture.Origin != stream.Value)
        {
            capture.Invalidated = true;
            return CudaStatus.StreamCaptureUnmatched;
        }
        var unjoined = !capture.Invalidated && !AllJoined(capture);
        foreach (var participant in capture.Dependencies.Keys)
        {
            _captures.Remove(participant);
        }
        capture.Graph.BeingCaptured = false;
        if (capture.Invalidated || unjoined)
        {
            RemoveGraph(capture.Graph);
            return unjoined ? CudaStatus.StreamCaptureUnjoined : CudaStatus.StreamCaptureInvalidated;
        }
        graph = new GpuGraphHandle(capture.Graph.Handle);
        return CudaStatus.Success;
    }

    public CudaStatus GetCaptureInfo(GpuStreamHandle stream, out StreamCaptureStatus status, out ulong captureId, out GpuGraphHandle graph)
    {
        status = StreamCaptureStatus.None;
        captureId = 0;
        graph = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (!stream.IsNull && _captures.TryGetValue(stream.Value, out var capture))
        {
            status = capture.Invalidated ? StreamCaptureStatus.Invalidated : StreamCaptureStatus.Active;
            captureId = capture.Id;
            graph = new GpuGraphHandle(capture.Graph.Handle);
        }
        return CudaStatus.Success;
    }

    public CudaStatus GetCaptureDependencies(GpuStreamHandle stream, out GpuGraphNodeHandle[] dependencies)
    {
        dependencies = [];
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (stream.IsNull || !_captures.TryGetValue(stream.Value, out var capture) || capture.Invalidated)
        {
            return CudaStatus.IllegalState;
        }
        dependencies = [.. capture.Dependencies[stream.Value].Select(node => new GpuGraphNodeHandle(node.Handle))];
        return CudaStatus.Success;
    }

    // ---- graphs ----

    public CudaStatus CreateGraph(out GpuGraphHandle graph)
    {
        graph = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        var created = new EmulatedGraph(_nextHandle++);
        _graphs.Add(created.Handle, created);
        graph = new GpuGraphHandle(created.Handle);
        return CudaStatus.Success;
    }

    public CudaStatus DestroyGraph(GpuGraphHandle graph)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphs.TryGetValue(graph.Value, out var existing))
        {
            return CudaStatus.InvalidHandle;
        }
        if (existing.BeingCaptured)
        {
            return CudaStatus.IllegalState;
        }
        RemoveGraph(existing);
        return CudaStatus.Success;
    }

    public CudaStatus GetGraphNodes(GpuGraphHandle graph, out GpuGraphNodeHandle[] nodes)
    {
        nodes = [];
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphs.TryGetValue(graph.Value, out var existing))
        {
            return CudaStatus.InvalidHandle;
        }
        nodes = [.. existing.Nodes.Select(node => new GpuGraphNodeHandle(node.Handle))];
        return CudaStatus.Success;
    }

    public CudaStatus AddKernelNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, GpuFunctionHandle kernel,
        in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters, out GpuGraphNodeHandle node)
    {
        node = default;
        var status = CheckKernelOperation(kernel, configuration, parameters);
        return status != CudaStatus.Success ? status
            : AddNode(graph, dependencies, GraphNodeType.Kernel, new EmulatedKernelOperation(kernel, configuration, parameters.ToArray()), out node);
    }

    public CudaStatus AddMemsetNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, ulong destination, ulong pitch, uint value,
        MemsetElementSize elementSize, ulong widthElements, ulong height, out GpuGraphNodeHandle node)
    {
        node = default;
        var operation = new EmulatedMemsetOperation(destination, pitch, value, elementSize, widthElements, height);
        var status = CheckMemsetOperation(operation);
        return status != CudaStatus.Success ? status : AddNode(graph, dependencies, GraphNodeType.Memset, operation, out node);
    }

    public CudaStatus AddMemcpyNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, in MemoryCopy2D copy, out GpuGraphNodeHandle node)
    {
        node = default;
        var status = CheckCopyOperation(copy);
        return status != CudaStatus.Success ? status : AddNode(graph, dependencies, GraphNodeType.Memcpy, new EmulatedCopyOperation(copy), out node);
    }

    public CudaStatus AddEmptyNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, out GpuGraphNodeHandle node) =>
        AddNode(graph, dependencies, GraphNodeType.Empty, null, out node);

    public CudaStatus AddGraphDependencies(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, ReadOnlySpan<GpuGraphNodeHandle> dependents)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphs.TryGetValue(graph.Value, out var existing))
        {
            return CudaStatus.InvalidHandle;
        }
        if (dependencies.Length != dependents.Length)
        {
            return CudaStatus.InvalidValue;
        }
        // Checked in full first, so that a refused call adds no edge at all.
        var edges = new List<(EmulatedGraphNode From, EmulatedGraphNode To)>();
        for (var i = 0; i < dependencies.Length; i++)
        {
            if (!TryGetNodeOf(existing, dependencies[i], out var first) || !TryGetNodeOf(existing, dependents[i], out var second)
                || first == second || second.Dependencies.Contains(first) || edges.Contains((first, second)))
            {
                return CudaStatus.InvalidValue;
            }
            edges.Add((first, second));
        }
        foreach (var (first, second) in edges)
        {
            second.Dependencies.Add(first);
        }
        return CudaStatus.Success;
    }

    public CudaStatus GetGraphNodeType(GpuGraphNodeHandle node, out GraphNodeType type)
    {
        type = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphNodes.TryGetValue(node.Value, out var existing))
        {
            return CudaStatus.InvalidHandle;
        }
        type = existing.Type;
        return CudaStatus.Success;
    }

    public CudaStatus SetKernelNodeParams(GpuGraphNodeHandle node, GpuFunctionHandle kernel, in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphNodes.TryGetValue(node.Value, out var existing))
        {
            return CudaStatus.InvalidHandle;
        }
        if (existing.Type != GraphNodeType.Kernel)
        {
            return CudaStatus.InvalidValue;
        }
        var status = CheckKernelOperation(kernel, configuration, parameters);
        if (status == CudaStatus.Success)
        {
            existing.Operation = new EmulatedKernelOperation(kernel, configuration, parameters.ToArray());
        }
        return status;
    }

    // ---- executable graphs ----

    public CudaStatus InstantiateGraph(GpuGraphHandle graph, ulong flags, out GpuGraphExecHandle exec)
    {
        exec = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphs.TryGetValue(graph.Value, out var existing))
        {
            return CudaStatus.InvalidHandle;
        }
        if ((flags & ~(InstantiateAutoFreeOnLaunch | InstantiateUseNodePriority)) != 0)
        {
            return CudaStatus.InvalidValue; // upload (only with parameters) and device launch are not emulated
        }
        if (existing.BeingCaptured)
        {
            return CudaStatus.IllegalState;
        }
        if (InDependencyOrder(existing) is not { } order)
        {
            return CudaStatus.InvalidValue; // a cycle
        }
        var handle = _nextHandle++;
        _graphExecs.Add(handle, new EmulatedGraphExec([.. order.Select(node => (node, node.Operation))]));
        exec = new GpuGraphExecHandle(handle);
        return CudaStatus.Success;
    }

    public CudaStatus LaunchGraph(GpuGraphExecHandle exec, GpuStreamHandle stream)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphExecs.TryGetValue(exec.Value, out var existing) || !ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        if (Capturing(stream))
        {
            return RefuseCapture(stream);
        }
        foreach (var (_, operation) in existing.Steps)
        {
            var status = Run(operation);
            if (status != CudaStatus.Success)
            {
                return status;
            }
        }
        return CudaStatus.Success;
    }

    public CudaStatus UploadGraph(GpuGraphExecHandle exec, GpuStreamHandle stream)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphExecs.ContainsKey(exec.Value) || !ValidStream(stream))
        {
            return CudaStatus.InvalidHandle;
        }
        // Nothing to upload: the emulated device runs a graph from the host's copy of it.
        return Capturing(stream) ? RefuseCapture(stream) : CudaStatus.Success;
    }

    public CudaStatus DestroyGraphExec(GpuGraphExecHandle exec) =>
        Check() is not CudaStatus.Success and var failed ? failed
        : _graphExecs.Remove(exec.Value) ? CudaStatus.Success : CudaStatus.InvalidHandle;

    public CudaStatus SetGraphExecKernelNodeParams(GpuGraphExecHandle exec, GpuGraphNodeHandle node, GpuFunctionHandle kernel,
        in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphExecs.TryGetValue(exec.Value, out var existing) || !_graphNodes.TryGetValue(node.Value, out var source))
        {
            return CudaStatus.InvalidHandle;
        }
        var step = existing.Steps.FindIndex(s => s.Source == source);
        if (step < 0 || source.Type != GraphNodeType.Kernel)
        {
            return CudaStatus.InvalidValue; // not a kernel node of the graph it was made from
        }
        var status = CheckKernelOperation(kernel, configuration, parameters);
        if (status == CudaStatus.Success)
        {
            existing.Steps[step] = (source, new EmulatedKernelOperation(kernel, configuration, parameters.ToArray()));
        }
        return status;
    }

    // ---- what the stream-ordered calls do while their stream captures ----

    /// <summary>Whether <paramref name="stream"/> is capturing (then its work becomes nodes).</summary>
    private bool Capturing(GpuStreamHandle stream) => _captures.Count > 0 && !stream.IsNull && _captures.ContainsKey(stream.Value);

    /// <summary>Records <paramref name="operation"/> as the stream's next node; an invalidated capture records nothing.</summary>
    private CudaStatus Capture(GpuStreamHandle stream, GraphNodeType type, EmulatedGraphOperation operation)
    {
        var capture = _captures[stream.Value];
        if (capture.Invalidated)
        {
            return CudaStatus.StreamCaptureInvalidated;
        }
        var node = NewNode(capture.Graph, type, operation);
        node.Dependencies.AddRange(capture.Dependencies[stream.Value]);
        capture.Dependencies[stream.Value] = [node];
        return CudaStatus.Success;
    }

    /// <summary>An operation that cannot be captured: it fails and invalidates the capture, as in CUDA.</summary>
    private CudaStatus RefuseCapture(GpuStreamHandle stream)
    {
        _captures[stream.Value].Invalidated = true;
        return CudaStatus.StreamCaptureUnsupported;
    }

    private CudaStatus CaptureKernel(GpuStreamHandle stream, GpuFunctionHandle kernel, in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters) =>
        Capture(stream, GraphNodeType.Kernel, new EmulatedKernelOperation(kernel, configuration, parameters.ToArray()));

    private CudaStatus CaptureMemset(GpuStreamHandle stream, ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements,
        ulong height)
    {
        var operation = new EmulatedMemsetOperation(destination, pitch, value, elementSize, widthElements, height);
        var status = CheckMemsetOperation(operation);
        return status != CudaStatus.Success ? status : Capture(stream, GraphNodeType.Memset, operation);
    }

    private CudaStatus CaptureCopy(GpuStreamHandle stream, in MemoryCopy2D copy)
    {
        if (copy.SourceLocation != MemoryLocation.Device || copy.DestinationLocation != MemoryLocation.Device)
        {
            return RefuseCapture(stream);
        }
        var status = CheckCopyOperation(copy);
        return status != CudaStatus.Success ? status : Capture(stream, GraphNodeType.Memcpy, new EmulatedCopyOperation(copy));
    }

    /// <summary>An event recorded on a capturing stream marks that point of the capture (no node), for streams that wait on it.</summary>
    private void NoteEventRecord(GpuEventHandle gpuEvent, GpuStreamHandle stream)
    {
        if (Capturing(stream))
        {
            var capture = _captures[stream.Value];
            _capturedEvents[gpuEvent.Value] = (capture, [.. capture.Dependencies[stream.Value]]);
        }
        else
        {
            _capturedEvents.Remove(gpuEvent.Value);
        }
    }

    /// <summary>
    /// A wait on an event recorded in a capture joins the waiting stream to that capture (fork), or
    /// adds the event's point to its dependencies (join). A capturing stream may not wait on an event
    /// recorded outside its capture.
    /// </summary>
    private CudaStatus CaptureEventWait(GpuStreamHandle stream, GpuEventHandle gpuEvent)
    {
        var captured = _capturedEvents.TryGetValue(gpuEvent.Value, out var mark) && _captures.ContainsValue(mark.Capture);
        if (!Capturing(stream))
        {
            if (captured && !stream.IsNull)
            {
                _captures[stream.Value] = mark.Capture;
                mark.Capture.Dependencies[stream.Value] = [.. mark.Dependencies];
            }
            return captured && stream.IsNull ? CudaStatus.StreamCaptureImplicit : CudaStatus.Success;
        }
        var capture = _captures[stream.Value];
        if (!captured || mark.Capture != capture)
        {
            capture.Invalidated = true;
            return CudaStatus.StreamCaptureIsolation;
        }
        var dependencies = capture.Dependencies[stream.Value];
        foreach (var node in mark.Dependencies.Where(node => !dependencies.Contains(node)))
        {
            dependencies.Add(node);
        }
        return CudaStatus.Success;
    }

    /// <summary>A destroyed stream leaves its capture; the capture it began ends, and its graph goes.</summary>
    private void LeaveCapture(GpuStreamHandle stream)
    {
        if (!Capturing(stream))
        {
            return;
        }
        var capture = _captures[stream.Value];
        _captures.Remove(stream.Value);
        capture.Dependencies.Remove(stream.Value);
        if (capture.Origin == stream.Value)
        {
            foreach (var participant in capture.Dependencies.Keys)
            {
                _captures.Remove(participant);
            }
            RemoveGraph(capture.Graph);
        }
    }

    private void DisposeGraphs()
    {
        _captures.Clear();
        _capturedEvents.Clear();
        _graphExecs.Clear();
        _graphNodes.Clear();
        _graphs.Clear();
    }

    // ---- helpers ----

    private CudaStatus AddNode(GpuGraphHandle graph, ReadOnlySpan<GpuGraphNodeHandle> dependencies, GraphNodeType type, EmulatedGraphOperation? operation,
        out GpuGraphNodeHandle node)
    {
        node = default;
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_graphs.TryGetValue(graph.Value, out var existing))
        {
            return CudaStatus.InvalidHandle;
        }
        var after = new List<EmulatedGraphNode>(dependencies.Length);
        foreach (var dependency in dependencies)
        {
            if (!TryGetNodeOf(existing, dependency, out var before) || after.Contains(before))
            {
                return CudaStatus.InvalidValue;
            }
            after.Add(before);
        }
        var added = NewNode(existing, type, operation);
        added.Dependencies.AddRange(after);
        node = new GpuGraphNodeHandle(added.Handle);
        return CudaStatus.Success;
    }

    private EmulatedGraphNode NewNode(EmulatedGraph graph, GraphNodeType type, EmulatedGraphOperation? operation)
    {
        var node = new EmulatedGraphNode(_nextHandle++, graph, type, operation);
        graph.Nodes.Add(node);
        _graphNodes.Add(node.Handle, node);
        return node;
    }

    private bool TryGetNodeOf(EmulatedGraph graph, GpuGraphNodeHandle handle, out EmulatedGraphNode node) =>
        _graphNodes.TryGetValue(handle.Value, out node!) && node.Graph == graph;

    private void RemoveGraph(EmulatedGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            _graphNodes.Remove(node.Handle);
        }
        _graphs.Remove(graph.Handle);
    }

    /// <summary>Whether every stream that joined the capture has been joined back into its origin stream.</summary>
    private static bool AllJoined(EmulatedCapture capture)
    {
        var reached = new HashSet<EmulatedGraphNode>();
        var pending = new Stack<EmulatedGraphNode>(capture.Dependencies[capture.Origin]);
        while (pending.TryPop(out var node))
        {
            if (reached.Add(node))
            {
                foreach (var before in node.Dependencies)
                {
                    pending.Push(before);
                }
            }
        }
        return capture.Dependencies.All(stream => stream.Key == capture.Origin || stream.Value.All(reached.Contains));
    }

    /// <summary>The nodes so that each comes after all it depends on (Kahn's order, stable by insertion); null when they form a cycle.</summary>
    private static List<EmulatedGraphNode>? InDependencyOrder(EmulatedGraph graph)
    {
        var waiting = graph.Nodes.ToDictionary(node => node, node => node.Dependencies.Count);
        var dependents = graph.Nodes.ToDictionary(node => node, _ => new List<EmulatedGraphNode>());
        foreach (var node in graph.Nodes)
        {
            foreach (var before in node.Dependencies)
            {
                dependents[before].Add(node);
            }
        }
        var ready = new Queue<EmulatedGraphNode>(graph.Nodes.Where(node => node.Dependencies.Count == 0));
        var order = new List<EmulatedGraphNode>(graph.Nodes.Count);
        while (ready.TryDequeue(out var node))
        {
            order.Add(node);
            foreach (var after in dependents[node])
            {
                if (--waiting[after] == 0)
                {
                    ready.Enqueue(after);
                }
            }
        }
        return order.Count == graph.Nodes.Count ? order : null;
    }

    private CudaStatus Run(EmulatedGraphOperation? operation) => operation switch
    {
        EmulatedKernelOperation kernel => Launch(kernel.Function, kernel.Configuration, GpuStreamHandle.Null, kernel.Parameters),
        EmulatedMemsetOperation memset => Memset2D(memset.Destination, memset.Pitch, memset.Value, memset.ElementSize, memset.WidthElements, memset.Height),
        EmulatedCopyOperation copy => Copy2D(copy.Copy),
        _ => Check(),
    };

    /// <summary>A launch geometry the emulated device (an H100-like part) cannot run.</summary>
    private static bool InvalidGeometry(in LaunchConfiguration configuration)
    {
        var grid = configuration.Grid;
        var block = configuration.Block;
        return grid.X == 0 || grid.Y == 0 || grid.Z == 0 || grid.Y > 65535 || grid.Z > 65535 || grid.X > int.MaxValue
            || block.X == 0 || block.Y == 0 || block.Z == 0 || block.X > 1024 || block.Y > 1024 || block.Z > 64
            || block.Volume > 1024 || configuration.SharedMemoryBytes > 48 * 1024;
    }

    /// <summary>What <see cref="Launch"/> checks before it runs anything, checked when a kernel node is made.</summary>
    private CudaStatus CheckKernelOperation(GpuFunctionHandle kernel, in LaunchConfiguration configuration, ReadOnlySpan<byte> parameters)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (!_functions.TryGetValue(kernel.Value, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var layout = entry.Definition.Layout;
        var required = layout.Length == 0 ? 0 : layout[^1].Offset + layout[^1].Size;
        return InvalidGeometry(configuration) || (uint)parameters.Length < required ? CudaStatus.InvalidValue : CudaStatus.Success;
    }

    private CudaStatus CheckMemsetOperation(EmulatedMemsetOperation memset)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        var rowBytes = memset.WidthElements * (ulong)memset.ElementSize;
        return memset.Destination % (ulong)memset.ElementSize != 0 || rowBytes == 0 || memset.Height == 0 || rowBytes > memset.Pitch
            || !TryGetDeviceSpan(memset.Destination, ((memset.Height - 1) * memset.Pitch) + rowBytes, out _)
            ? CudaStatus.InvalidValue
            : CudaStatus.Success;
    }

    private CudaStatus CheckCopyOperation(in MemoryCopy2D copy)
    {
        if (Check() is not CudaStatus.Success and var failed)
        {
            return failed;
        }
        if (copy.SourceLocation != MemoryLocation.Device || copy.DestinationLocation != MemoryLocation.Device
            || copy.WidthBytes == 0 || copy.Height == 0 || copy.WidthBytes > copy.SourcePitch || copy.WidthBytes > copy.DestinationPitch)
        {
            return CudaStatus.InvalidValue;
        }
        return TryGetDeviceSpan(copy.Source, ((copy.Height - 1) * copy.SourcePitch) + copy.WidthBytes, out _)
            && TryGetDeviceSpan(copy.Destination, ((copy.Height - 1) * copy.DestinationPitch) + copy.WidthBytes, out _)
            ? CudaStatus.Success
            : CudaStatus.InvalidValue;
    }
}
