namespace Orion.Server.Core.Backend;

// Graph objects of one context, opaque like the handles in GpuHandles.cs: for the CUDA driver
// backend the driver's CUgraph, CUgraphNode and CUgraphExec; the emulated device numbers its own.

/// <summary>A graph (<c>CUgraph</c>).</summary>
public readonly record struct GpuGraphHandle(nint Value);

/// <summary>A node of a graph (<c>CUgraphNode</c>).</summary>
public readonly record struct GpuGraphNodeHandle(nint Value);

/// <summary>An executable graph (<c>CUgraphExec</c>).</summary>
public readonly record struct GpuGraphExecHandle(nint Value);

/// <summary>Whether a stream is capturing; values identical to CUDA's <c>CUstreamCaptureStatus</c>.</summary>
public enum StreamCaptureStatus
{
    None = 0,
    Active = 1,
    /// <summary>The capture went wrong (an operation not allowed while capturing); ending it gives no graph.</summary>
    Invalidated = 2,
}

/// <summary>What a graph node does; values identical to CUDA's <c>CUgraphNodeType</c>.</summary>
public enum GraphNodeType
{
    Kernel = 0,
    Memcpy = 1,
    Memset = 2,
    Host = 3,
    Graph = 4,
    Empty = 5,
    WaitEvent = 6,
    EventRecord = 7,
    ExternalSemaphoresSignal = 8,
    ExternalSemaphoresWait = 9,
    MemoryAllocation = 10,
    MemoryFree = 11,
    BatchMemoryOperation = 12,
    Conditional = 13,
}
