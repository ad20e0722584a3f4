using System.Collections.Concurrent;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Client;

// Stream capture and graphs. Graph, node and executable-graph handles are chosen here like stream
// handles; nodes the server reports for the first time (a captured graph's) are named from a range of
// handles reserved here. While no capture begun through this session is going on, no stream can be
// capturing, so capture queries are answered here without a round trip: frameworks ask them often.
public sealed partial class RemoteCudaClient
{
    /// <summary>Streams on which a capture began here and has not ended.</summary>
    private readonly ConcurrentDictionary<ulong, byte> _captureOrigins = new();

    /// <summary>Whether any stream of this session may be capturing.</summary>
    public bool MayBeCapturing => !_captureOrigins.IsEmpty;

    /// <summary><c>cuStreamBeginCapture</c>: <paramref name="graph"/> names the graph the capture builds.</summary>
    public CudaStatus BeginCapture(ulong stream, out ulong graph)
    {
        graph = NewHandle();
        var status = Remote.BeginCapture(stream, graph);
        if (status == CudaStatus.Success)
        {
            _captureOrigins[stream] = 0;
        }
        else
        {
            graph = 0;
        }
        return status;
    }

    /// <summary><c>cuStreamEndCapture</c>: the captured graph, or 0 with the reason the capture gave none.</summary>
    public CudaStatus EndCapture(ulong stream, out ulong graph)
    {
        var status = Remote.EndCapture(stream, out graph);
        graph = status == CudaStatus.Success ? graph : 0;
        if (_captureOrigins.ContainsKey(stream)
            && (status == CudaStatus.Success || Remote.GetCaptureInfo(stream, out var still, out _, out _) != CudaStatus.Success || still == 0))
        {
            _captureOrigins.TryRemove(stream, out _);
        }
        return status;
    }

    /// <summary>
    /// <c>cuStreamGetCaptureInfo</c>: <paramref name="captureStatus"/> is a <c>CUstreamCaptureStatus</c>; the
    /// capture's id and graph are 0 when the stream does not capture.
    /// </summary>
    public CudaStatus GetCaptureInfo(ulong stream, out int captureStatus, out ulong captureId, out ulong graph)
    {
        if (stream < ProtocolLimits.FirstClientHandle || !MayBeCapturing)
        {
            (captureStatus, captureId, graph) = (0, 0, 0);
            return stream is > 2 and < ProtocolLimits.FirstClientHandle ? CudaStatus.InvalidHandle : CudaStatus.Success;
        }
        return Remote.GetCaptureInfo(stream, out captureStatus, out captureId, out graph);
    }

    /// <summary>The nodes the next node captured on <paramref name="stream"/> will depend on.</summary>
    public CudaStatus GetCaptureDependencies(ulong stream, out ulong[] nodes)
    {
        var status = Remote.GetCaptureDependencies(stream, ReserveHandles(ProtocolLimits.MaxGraphNodeDependencies), out var handles);
        nodes = status == CudaStatus.Success ? Values(handles) : [];
        return status;
    }

    /// <summary>
    /// <see cref="CudaStatus.StreamCaptureUnsupported"/> when <paramref name="stream"/> is capturing: work whose data
    /// is in this process (host copies, host functions) or whose address the session must know (stream-ordered
    /// allocation) cannot become part of a graph on the server. Null otherwise (at once while nothing captures).
    /// </summary>
    private CudaStatus? RefuseWhileCapturing(ulong stream) =>
        stream >= ProtocolLimits.FirstClientHandle && MayBeCapturing
        && Remote.GetCaptureInfo(stream, out var captureStatus, out _, out _) == CudaStatus.Success && captureStatus != 0
            ? CudaStatus.StreamCaptureUnsupported
            : null;

    private void ForgetCaptureOrigin(ulong stream) => _captureOrigins.TryRemove(stream, out _);

    /// <summary><c>cuGraphCreate</c> on the current device.</summary>
    public CudaStatus CreateGraph(uint flags, out ulong graph)
    {
        graph = NewHandle();
        var status = Remote.CreateGraph(graph, flags);
        graph = status == CudaStatus.Success ? graph : 0;
        return status;
    }

    public CudaStatus DestroyGraph(ulong graph) => Remote.DestroyGraph(graph);

    /// <summary>
    /// <c>cuGraphGetNodes</c>: the graph's node count, and its nodes from <paramref name="firstIndex"/> on, at
    /// most <paramref name="capacity"/> (0: the count only).
    /// </summary>
    public CudaStatus GetGraphNodes(ulong graph, uint firstIndex, uint capacity, out uint count, out ulong[] nodes)
    {
        nodes = [];
        capacity = Math.Min(capacity, (uint)ProtocolLimits.MaxGraphNodesPerReply);
        var status = Remote.GetGraphNodes(graph, firstIndex, capacity, capacity == 0 ? 0 : ReserveHandles((int)capacity), out count, out var handles);
        if (status == CudaStatus.Success)
        {
            nodes = Values(handles);
        }
        return status;
    }

    /// <summary><c>cuGraphAddKernelNode</c> with parameters already packed by the function's layout (padding past it is ignored).</summary>
    public CudaStatus AddKernelNode(ulong graph, ReadOnlySpan<ulong> dependencies, ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        ReadOnlySpan<byte> packedParameters, out ulong node)
    {
        node = 0;
        if (Packed(function, packedParameters, out var parameters) is { } refused)
        {
            return refused;
        }
        var handle = NewHandle();
        var status = Remote.AddKernelNode(graph, handle, Handles(dependencies), function, grid, block, sharedMemoryBytes, parameters);
        node = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    /// <summary><c>cuGraphAddKernelNode</c> with CUDA's <c>void** args</c>, packed by the function's layout as a launch packs them.</summary>
    public unsafe CudaStatus AddKernelNode(ulong graph, ReadOnlySpan<ulong> dependencies, ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        void** arguments, out ulong node)
    {
        node = 0;
        return Pack(function, arguments, out var packed) ?? AddKernelNode(graph, dependencies, function, grid, block, sharedMemoryBytes, packed, out node);
    }

    /// <summary><c>cuGraphAddMemsetNode</c>: <paramref name="height"/> rows of <paramref name="widthElements"/> elements of <paramref name="elementBytes"/> (1, 2 or 4).</summary>
    public CudaStatus AddMemsetNode(ulong graph, ReadOnlySpan<ulong> dependencies, ulong destination, ulong pitch, uint value, int elementBytes,
        ulong widthElements, ulong height, out ulong node)
    {
        node = 0;
        if (elementBytes is not (1 or 2 or 4))
        {
            return CudaStatus.InvalidValue;
        }
        var handle = NewHandle();
        var status = Remote.AddMemsetNode(graph, handle, Handles(dependencies), destination, pitch, value, (MemsetElementSize)elementBytes, widthElements, height);
        node = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    /// <summary><c>cuGraphAddMemcpyNode</c> between device addresses: <paramref name="height"/> rows of <paramref name="widthBytes"/>.</summary>
    public CudaStatus AddMemcpyNode(ulong graph, ReadOnlySpan<ulong> dependencies, ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        ulong widthBytes, ulong height, out ulong node)
    {
        var handle = NewHandle();
        var status = Remote.AddMemcpyNode(graph, handle, Handles(dependencies), destination, destinationPitch, source, sourcePitch, widthBytes, height);
        node = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    /// <summary><c>cuGraphAddEmptyNode</c>.</summary>
    public CudaStatus AddEmptyNode(ulong graph, ReadOnlySpan<ulong> dependencies, out ulong node)
    {
        var handle = NewHandle();
        var status = Remote.AddEmptyNode(graph, handle, Handles(dependencies));
        node = status == CudaStatus.Success ? handle : 0;
        return status;
    }

    /// <summary><c>cuGraphAddDependencies</c>: <c>dependents[i]</c> comes to depend on <c>dependencies[i]</c>.</summary>
    public CudaStatus AddGraphDependencies(ulong graph, ReadOnlySpan<ulong> dependencies, ReadOnlySpan<ulong> dependents) =>
        dependencies.Length != dependents.Length ? CudaStatus.InvalidValue
        : Remote.AddGraphDependencies(graph, Handles(dependencies), Handles(dependents));

    /// <summary><c>cuGraphNodeGetType</c>: a <c>CUgraphNodeType</c> value.</summary>
    public CudaStatus GetGraphNodeType(ulong node, out int type) => Remote.GetGraphNodeType(node, out type);

    /// <summary><c>cuGraphKernelNodeSetParams</c> with packed parameters.</summary>
    public CudaStatus SetKernelNodeParams(ulong node, ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ReadOnlySpan<byte> packedParameters) =>
        Packed(function, packedParameters, out var parameters) ?? Remote.SetKernelNodeParams(node, function, grid, block, sharedMemoryBytes, parameters);

    /// <summary><c>cuGraphKernelNodeSetParams</c> with CUDA's <c>void** args</c>.</summary>
    public unsafe CudaStatus SetKernelNodeParams(ulong node, ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, void** arguments) =>
        Pack(function, arguments, out var packed) ?? SetKernelNodeParams(node, function, grid, block, sharedMemoryBytes, packed);

    /// <summary><c>cuGraphInstantiateWithFlags</c>.</summary>
    public CudaStatus InstantiateGraph(ulong graph, ulong flags, out ulong exec)
    {
        exec = NewHandle();
        var status = Remote.InstantiateGraph(graph, exec, flags);
        exec = status == CudaStatus.Success ? exec : 0;
        return status;
    }

    /// <summary><c>cuGraphLaunch</c>: asynchronous, as a kernel launch.</summary>
    public CudaStatus LaunchGraph(ulong exec, ulong stream) => Remote.LaunchGraph(exec, stream);

    /// <summary><c>cuGraphUpload</c>: asynchronous.</summary>
    public CudaStatus UploadGraph(ulong exec, ulong stream) => Remote.UploadGraph(exec, stream);

    public CudaStatus DestroyGraphExec(ulong exec) => Remote.DestroyGraphExec(exec);

    /// <summary><c>cuGraphExecKernelNodeSetParams</c> with packed parameters.</summary>
    public CudaStatus SetGraphExecKernelNodeParams(ulong exec, ulong node, ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        ReadOnlySpan<byte> packedParameters) =>
        Packed(function, packedParameters, out var parameters)
            ?? Remote.SetGraphExecKernelNodeParams(exec, node, function, grid, block, sharedMemoryBytes, parameters);

    /// <summary><c>cuGraphExecKernelNodeSetParams</c> with CUDA's <c>void** args</c>.</summary>
    public unsafe CudaStatus SetGraphExecKernelNodeParams(ulong exec, ulong node, ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        void** arguments) =>
        Pack(function, arguments, out var packed) ?? SetGraphExecKernelNodeParams(exec, node, function, grid, block, sharedMemoryBytes, packed);

    /// <summary>The first of <paramref name="count"/> consecutive handles nobody else will be given.</summary>
    private ulong ReserveHandles(int count) => (ulong)Interlocked.Add(ref _nextHandle, count) - (ulong)count + 1;

    /// <summary>The packed parameters cut to the function's layout (a caller's buffer may be padded past it).</summary>
    private CudaStatus? Packed(ulong function, ReadOnlySpan<byte> buffer, out ReadOnlySpan<byte> parameters)
    {
        parameters = default;
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        var size = PackedSize(layout);
        if (buffer.Length < size)
        {
            return CudaStatus.InvalidValue;
        }
        parameters = buffer[..size];
        return null;
    }

    /// <summary>CUDA's <c>void** args</c> packed by the function's layout, one pointer per parameter.</summary>
    private unsafe CudaStatus? Pack(ulong function, void** arguments, out byte[] packed)
    {
        packed = [];
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        if (arguments == null && layout.Length > 0)
        {
            return CudaStatus.InvalidValue;
        }
        var size = PackedSize(layout);
        if (size > ProtocolLimits.MaxKernelParameterBytes)
        {
            return CudaStatus.InvalidValue;
        }
        packed = new byte[size];
        for (var i = 0; i < layout.Length; i++)
        {
            new ReadOnlySpan<byte>(arguments[i], (int)layout[i].Size).CopyTo(packed.AsSpan((int)layout[i].Offset));
        }
        return null;
    }

    private static WireHandle[] Handles(ReadOnlySpan<ulong> values)
    {
        var handles = new WireHandle[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            handles[i] = new WireHandle(values[i]);
        }
        return handles;
    }

    private static ulong[] Values(WireHandle[] handles) => [.. handles.Select(handle => handle.Value)];
}
