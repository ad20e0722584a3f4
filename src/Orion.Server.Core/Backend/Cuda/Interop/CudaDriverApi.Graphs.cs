using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// Stream capture and graphs. As everywhere in <see cref="CudaDriverApi"/>, each binding names the
/// versioned symbol CUDA 13's cuda.h maps the public name to (driver 580 exports each; its
/// cuGetProcAddress table, native/driver_front_end/data/proc-address-table.txt, lists them). Graphs,
/// nodes and executable graphs are <see cref="nint"/> (<c>CUgraph</c>, <c>CUgraphNode</c>, <c>CUgraphExec</c>).
/// </summary>
internal static unsafe partial class CudaDriverApi
{
    /// <summary><c>CU_STREAM_CAPTURE_MODE_RELAXED</c> (<c>CUstreamCaptureMode</c>: 0 global, 1 thread-local, 2 relaxed).</summary>
    internal const int StreamCaptureModeRelaxed = 2;

    [LibraryImport(LibraryName, EntryPoint = "cuStreamBeginCapture_v2")]
    internal static partial CudaStatus StreamBeginCapture(nint stream, int mode);

    [LibraryImport(LibraryName, EntryPoint = "cuStreamEndCapture")]
    internal static partial CudaStatus StreamEndCapture(nint stream, nint* graph);

    /// <summary>
    /// <c>cuStreamGetCaptureInfo_v3</c>: the dependency and edge-data arrays it returns belong to the driver
    /// and stay valid until the next capture call on the stream. Asking for dependencies without edge data
    /// fails with <c>CUDA_ERROR_LOSSY_QUERY</c> when an edge carries data, so both are asked for together.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "cuStreamGetCaptureInfo_v3")]
    internal static partial CudaStatus StreamGetCaptureInfo(nint stream, int* captureStatus, ulong* id, nint* graph, nint** dependencies,
        void** edgeData, nuint* dependencyCount);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphCreate")]
    internal static partial CudaStatus GraphCreate(nint* graph, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphDestroy")]
    internal static partial CudaStatus GraphDestroy(nint graph);

    /// <summary><c>cuGraphGetNodes</c>: with <paramref name="nodes"/> null, only the count.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuGraphGetNodes")]
    internal static partial CudaStatus GraphGetNodes(nint graph, nint* nodes, nuint* count);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphAddKernelNode_v2")]
    internal static partial CudaStatus GraphAddKernelNode(nint* node, nint graph, nint* dependencies, nuint dependencyCount, CuKernelNodeParams* parameters);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphAddMemsetNode")]
    internal static partial CudaStatus GraphAddMemsetNode(nint* node, nint graph, nint* dependencies, nuint dependencyCount, CuMemsetNodeParams* parameters,
        nint context);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphAddMemcpyNode")]
    internal static partial CudaStatus GraphAddMemcpyNode(nint* node, nint graph, nint* dependencies, nuint dependencyCount, CuMemcpy3D* copy, nint context);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphAddEmptyNode")]
    internal static partial CudaStatus GraphAddEmptyNode(nint* node, nint graph, nint* dependencies, nuint dependencyCount);

    /// <summary><c>cuGraphAddDependencies_v2</c>; <paramref name="edgeData"/> null gives every edge the default (full) dependency.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuGraphAddDependencies_v2")]
    internal static partial CudaStatus GraphAddDependencies(nint graph, nint* from, nint* to, void* edgeData, nuint count);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphNodeGetType")]
    internal static partial CudaStatus GraphNodeGetType(nint node, int* type);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphKernelNodeSetParams_v2")]
    internal static partial CudaStatus GraphKernelNodeSetParams(nint node, CuKernelNodeParams* parameters);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphInstantiateWithFlags")]
    internal static partial CudaStatus GraphInstantiateWithFlags(nint* exec, nint graph, ulong flags);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphLaunch")]
    internal static partial CudaStatus GraphLaunch(nint exec, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphUpload")]
    internal static partial CudaStatus GraphUpload(nint exec, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphExecDestroy")]
    internal static partial CudaStatus GraphExecDestroy(nint exec);

    [LibraryImport(LibraryName, EntryPoint = "cuGraphExecKernelNodeSetParams_v2")]
    internal static partial CudaStatus GraphExecKernelNodeSetParams(nint exec, nint node, CuKernelNodeParams* parameters);
}
