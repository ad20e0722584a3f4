namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// A graph on the emulated device: its nodes in the order they were added (the order
/// <c>cuGraphGetNodes</c> reports), each with the nodes it depends on and what it does.
/// </summary>
internal sealed class EmulatedGraph(nint handle)
{
    public nint Handle { get; } = handle;

    public List<EmulatedGraphNode> Nodes { get; } = [];

    /// <summary>Set while a stream capture builds the graph; the capture owns it until it ends.</summary>
    public bool BeingCaptured { get; set; }
}

/// <summary>One node of an <see cref="EmulatedGraph"/>.</summary>
internal sealed class EmulatedGraphNode(nint handle, EmulatedGraph graph, GraphNodeType type, EmulatedGraphOperation? operation)
{
    public nint Handle { get; } = handle;

    public EmulatedGraph Graph { get; } = graph;

    public GraphNodeType Type { get; } = type;

    /// <summary>What the node does when its graph runs; null for an empty node.</summary>
    public EmulatedGraphOperation? Operation { get; set; } = operation;

    public List<EmulatedGraphNode> Dependencies { get; } = [];
}

/// <summary>What a graph node does, with every argument copied when the node was made (as CUDA copies them).</summary>
internal abstract record EmulatedGraphOperation;

/// <summary>A kernel launch: the function, its geometry and its packed parameters.</summary>
internal sealed record EmulatedKernelOperation(GpuFunctionHandle Function, LaunchConfiguration Configuration, byte[] Parameters) : EmulatedGraphOperation;

/// <summary>A memset of <paramref name="Height"/> rows of <paramref name="WidthElements"/> elements.</summary>
internal sealed record EmulatedMemsetOperation(ulong Destination, ulong Pitch, uint Value, MemsetElementSize ElementSize, ulong WidthElements, ulong Height)
    : EmulatedGraphOperation;

/// <summary>A copy between device addresses.</summary>
internal sealed record EmulatedCopyOperation(MemoryCopy2D Copy) : EmulatedGraphOperation;

/// <summary>
/// An executable graph: the operations of its graph's nodes as they were at instantiation, in an
/// order that respects every dependency (the emulated device runs them one after another).
/// </summary>
internal sealed class EmulatedGraphExec(List<(EmulatedGraphNode Source, EmulatedGraphOperation? Operation)> steps)
{
    public List<(EmulatedGraphNode Source, EmulatedGraphOperation? Operation)> Steps { get; } = steps;
}

/// <summary>
/// One capture sequence: the graph it builds, the stream it began on, and for every stream taking
/// part (the origin and those that joined by waiting on an event recorded in the capture) the nodes
/// that stream's next node will depend on.
/// </summary>
internal sealed class EmulatedCapture(ulong id, EmulatedGraph graph, nint origin)
{
    public ulong Id { get; } = id;

    public EmulatedGraph Graph { get; } = graph;

    public nint Origin { get; } = origin;

    /// <summary>Set when an operation not allowed while capturing was attempted: ending gives no graph.</summary>
    public bool Invalidated { get; set; }

    public Dictionary<nint, List<EmulatedGraphNode>> Dependencies { get; } = [];
}
