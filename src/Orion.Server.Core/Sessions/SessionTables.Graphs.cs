using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// The session's graphs, graph nodes and executable graphs by client-chosen handle. A node is named
/// when the client adds it, or when the server first reports it (a captured graph's nodes); each
/// graph remembers the names of its nodes, so that a node reported twice keeps one handle and
/// destroying the graph forgets them all.
/// </summary>
internal sealed partial class SessionTables
{
    /// <summary>Most graphs one session holds at once (frameworks keep a few thousand captured graphs).</summary>
    public const int MaxGraphs = 65536;

    /// <summary>Most executable graphs one session holds at once.</summary>
    public const int MaxGraphExecs = 65536;

    /// <summary>Most named graph nodes one session holds at once (a node is named only when the client adds or asks for it).</summary>
    public const int MaxGraphNodes = 1 << 20;

    private readonly Dictionary<ulong, GraphEntry> _graphs = [];
    private readonly Dictionary<(int Device, nint Graph), ulong> _graphNames = [];
    private readonly Dictionary<ulong, GraphNodeEntry> _graphNodes = [];
    private readonly Dictionary<ulong, GraphExecEntry> _graphExecs = [];

    /// <summary>
    /// A graph of <paramref name="device"/>'s context. While a stream capture builds it,
    /// <see cref="CaptureStream"/> is the capture's origin stream (the client's handle), else 0.
    /// </summary>
    public sealed class GraphEntry(int device, GpuGraphHandle graph, ulong captureStream)
    {
        public int Device { get; } = device;

        public GpuGraphHandle Graph { get; internal set; } = graph;

        public ulong CaptureStream { get; internal set; } = captureStream;

        public bool IsBeingCaptured => CaptureStream != 0;

        /// <summary>The nodes named so far: backend node to client handle.</summary>
        internal Dictionary<nint, ulong> NodeNames { get; } = [];
    }

    public sealed record GraphNodeEntry(int Device, ulong Graph, GpuGraphNodeHandle Node);

    public sealed record GraphExecEntry(int Device, GpuGraphExecHandle Exec);

    public (int Graphs, int Nodes, int Execs) GraphCounts()
    {
        lock (_gate)
        {
            return (_graphs.Count, _graphNodes.Count, _graphExecs.Count);
        }
    }

    /// <summary>True while a stream of the session is capturing into a graph (a context-wide synchronize would end the capture).</summary>
    public bool AnyCaptureInProgress()
    {
        lock (_gate)
        {
            foreach (var graph in _graphs.Values)
            {
                if (graph.IsBeingCaptured)
                {
                    return true;
                }
            }
            return false;
        }
    }

    public bool TryAddGraph(ulong handle, GraphEntry entry)
    {
        lock (_gate)
        {
            if (!_graphs.TryAdd(handle, entry))
            {
                return false;
            }
            _graphNames[(entry.Device, entry.Graph.Value)] = handle;
            return true;
        }
    }

    public bool TryGetGraph(ulong handle, out GraphEntry entry) => TryGet(_graphs, handle, out entry);

    /// <summary>The handle that names the backend graph, or 0 when none does.</summary>
    public ulong FindGraph(int device, GpuGraphHandle graph)
    {
        lock (_gate)
        {
            return _graphNames.GetValueOrDefault((device, graph.Value));
        }
    }

    /// <summary>Records that the capture building graph <paramref name="handle"/> ended: it now names the backend's finished graph.</summary>
    public void EndCapture(ulong handle, GpuGraphHandle graph)
    {
        lock (_gate)
        {
            if (!_graphs.TryGetValue(handle, out var entry))
            {
                return;
            }
            _graphNames.Remove((entry.Device, entry.Graph.Value));
            entry.Graph = graph;
            entry.CaptureStream = 0;
            _graphNames[(entry.Device, graph.Value)] = handle;
        }
    }

    /// <summary>Forgets a graph and every node named in it.</summary>
    public void RemoveGraph(ulong handle)
    {
        lock (_gate)
        {
            if (!_graphs.Remove(handle, out var entry))
            {
                return;
            }
            _graphNames.Remove((entry.Device, entry.Graph.Value));
            foreach (var node in entry.NodeNames.Values)
            {
                _graphNodes.Remove(node);
            }
        }
    }

    /// <summary>Names a node of the graph <paramref name="entry"/>.<see cref="GraphNodeEntry.Graph"/>; false when the handle or the graph is unknown.</summary>
    public bool TryAddGraphNode(ulong handle, GraphNodeEntry entry)
    {
        lock (_gate)
        {
            if (!_graphs.TryGetValue(entry.Graph, out var graph) || !_graphNodes.TryAdd(handle, entry))
            {
                return false;
            }
            graph.NodeNames[entry.Node.Value] = handle;
            return true;
        }
    }

    public bool TryGetGraphNode(ulong handle, out GraphNodeEntry entry) => TryGet(_graphNodes, handle, out entry);

    /// <summary>The handle naming <paramref name="node"/> in <paramref name="graph"/>, or 0 when it has none yet.</summary>
    public ulong FindGraphNode(GraphEntry graph, GpuGraphNodeHandle node)
    {
        lock (_gate)
        {
            return graph.NodeNames.GetValueOrDefault(node.Value);
        }
    }

    public bool TryAddGraphExec(ulong handle, GraphExecEntry entry) => TryAdd(_graphExecs, handle, entry);

    public bool TryGetGraphExec(ulong handle, out GraphExecEntry entry) => TryGet(_graphExecs, handle, out entry);

    public bool RemoveGraphExec(ulong handle) => Remove(_graphExecs, handle);

    private bool ContainsGraphHandleLocked(ulong handle) =>
        _graphs.ContainsKey(handle) || _graphNodes.ContainsKey(handle) || _graphExecs.ContainsKey(handle);

    private void RemoveGraphsOfDeviceLocked(int device)
    {
        RemoveWhere(_graphs, g => g.Device == device);
        RemoveWhere(_graphNodes, n => n.Device == device);
        RemoveWhere(_graphExecs, e => e.Device == device);
        foreach (var key in _graphNames.Keys.Where(key => key.Device == device).ToArray())
        {
            _graphNames.Remove(key);
        }
    }
}
