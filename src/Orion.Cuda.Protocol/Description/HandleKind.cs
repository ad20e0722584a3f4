namespace Orion.Cuda.Protocol.Description;

/// <summary>What a handle parameter names. Handles are chosen by the client, so creating an object needs no round trip.</summary>
public enum HandleKind
{
    Module = 1,
    Function = 2,
    /// <summary>0, 1 and 2 name the device's default stream (CUDA's legacy and per-thread sentinels).</summary>
    Stream = 3,
    Event = 4,
    /// <summary>A host-function marker: the client's number for a callback, echoed when the stream reaches it.</summary>
    HostFunctionMarker = 5,
    /// <summary>A stream-ordered memory pool of one device (<c>CUmemoryPool</c>).</summary>
    MemoryPool = 6,
    /// <summary>A CUDA array (<c>CUarray</c>) of the session's current device.</summary>
    Array = 7,
    /// <summary>A CUDA graph: created empty, or named when a stream capture begins.</summary>
    Graph = 8,
    /// <summary>A node of a graph: named when added, or when the server first reports it (graph nodes, capture dependencies).</summary>
    GraphNode = 9,
    /// <summary>An executable graph, instantiated from a graph.</summary>
    GraphExec = 10,
    /// <summary>A physical allocation of the virtual memory management API (<c>CUmemGenericAllocationHandle</c>), made by <c>cuMemCreate</c>.</summary>
    PhysicalAllocation = 11,
}
