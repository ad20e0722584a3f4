using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>Modules, their functions and globals, and kernel launches.</summary>
[RemoteCallArea("Modules")]
public interface IModuleCalls
{
    /// <summary><c>cuModuleLoadData</c> on the current device: the image (fatbin, cubin or PTX) follows the record.</summary>
    [RemoteCall(40, CallMode.Synchronous, Bulk = BulkDirection.ToServer)]
    CudaStatus LoadModule([Handle(HandleKind.Module, New = true)] ulong moduleHandle,
        [BulkSize(BulkSizePart.Bytes), Limit(ProtocolLimits.MaxModuleImageBytes)] ulong imageBytes, IncomingData image);

    /// <summary><c>cuModuleLoadData</c> of an image the server may already hold, named by its SHA-256 (four
    /// little-endian u64 words) and size; <c>CUDA_ERROR_NOT_FOUND</c> when it does not, and the client then sends the
    /// image with <c>LoadModule</c>. Only with the <c>ModuleCache</c> feature.</summary>
    [RemoteCall(50, CallMode.Synchronous)]
    CudaStatus LoadCachedModule([Handle(HandleKind.Module, New = true)] ulong moduleHandle,
        [Limit(ProtocolLimits.MaxModuleImageBytes)] ulong imageBytes, ulong sha256Word0, ulong sha256Word1, ulong sha256Word2, ulong sha256Word3);

    /// <summary><c>cuModuleUnload</c>.</summary>
    [RemoteCall(41, CallMode.Synchronous)]
    CudaStatus UnloadModule([Handle(HandleKind.Module)] ulong moduleHandle);

    /// <summary><c>cuModuleGetFunction</c>; the reply carries the kernel's parameter layout (<c>cuFuncGetParamInfo</c>), by which the client packs arguments.</summary>
    [RemoteCall(42, CallMode.Synchronous)]
    CudaStatus GetFunction([Handle(HandleKind.Module)] ulong moduleHandle, [Handle(HandleKind.Function, New = true)] ulong functionHandle,
        [MaxBytes(ProtocolLimits.MaxSymbolBytes)] string name, [MaxCount(ProtocolLimits.MaxKernelParameters)] out KernelParameterInfo[] parameters);

    /// <summary><c>cuModuleGetGlobal</c>: a <c>__device__</c> or <c>__constant__</c> variable's address and size.</summary>
    [RemoteCall(43, CallMode.Synchronous)]
    CudaStatus GetGlobal([Handle(HandleKind.Module)] ulong moduleHandle, [MaxBytes(ProtocolLimits.MaxSymbolBytes)] string name, out ulong address, out ulong bytes);

    /// <summary><c>cuFuncGetAttribute</c>; <paramref name="attribute"/> is a <c>CUfunction_attribute</c> value.</summary>
    [RemoteCall(44, CallMode.Synchronous)]
    CudaStatus GetFunctionAttribute([Handle(HandleKind.Function)] ulong functionHandle, int attribute, out int value);

    /// <summary><c>cuFuncSetAttribute</c>.</summary>
    [RemoteCall(45, CallMode.Synchronous)]
    CudaStatus SetFunctionAttribute([Handle(HandleKind.Function)] ulong functionHandle, int attribute, int value);

    /// <summary><c>cuFuncSetCacheConfig</c>; <paramref name="config"/> is a <c>CUfunc_cache</c> value.</summary>
    [RemoteCall(46, CallMode.Synchronous)]
    CudaStatus SetFunctionCacheConfig([Handle(HandleKind.Function)] ulong functionHandle, int config);

    /// <summary><c>cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags</c>.</summary>
    [RemoteCall(47, CallMode.Synchronous)]
    CudaStatus GetMaxActiveBlocksPerMultiprocessor([Handle(HandleKind.Function)] ulong functionHandle, int blockSize, ulong dynamicSharedMemoryBytes, uint flags,
        out int blocks);

    /// <summary><c>cuOccupancyAvailableDynamicSMemPerBlock</c>: the dynamic shared memory each block may use when
    /// <paramref name="blocksPerMultiprocessor"/> blocks of <paramref name="blockSize"/> threads share a multiprocessor.</summary>
    [RemoteCall(49, CallMode.Synchronous)]
    CudaStatus GetAvailableDynamicSharedMemory([Handle(HandleKind.Function)] ulong functionHandle, int blocksPerMultiprocessor, int blockSize,
        out ulong bytes);

    /// <summary><c>cuOccupancyMaxActiveClusters</c>: how many clusters of <paramref name="cluster"/> blocks (all zero:
    /// the function's compile-time cluster shape) of <paramref name="block"/> threads can be co-resident. The grid
    /// only has to be a multiple of the cluster shape, as in a launch.</summary>
    [RemoteCall(150, CallMode.Synchronous)]
    CudaStatus GetMaxActiveClusters([Handle(HandleKind.Function)] ulong functionHandle, Dim3 grid, Dim3 block, uint sharedMemoryBytes, Dim3 cluster,
        out int clusters);

    /// <summary>The names of every kernel of a module, one per line: what NVIDIA's libraries ask the driver for when they
    /// walk a module's functions (cuFFT does through a private table, <c>6e163fbe-...</c> slot 7).</summary>
    [RemoteCall(151, CallMode.Synchronous)]
    CudaStatus ListFunctionNames([Handle(HandleKind.Module)] ulong moduleHandle, [MaxBytes(ProtocolLimits.MaxFunctionNameListBytes)] out string names);

    /// <summary><c>cuLaunchKernel</c> with the parameters packed by the function's layout.</summary>
    [RemoteCall(48, CallMode.Asynchronous)]
    CudaStatus Launch([Handle(HandleKind.Function)] ulong functionHandle, [Handle(HandleKind.Stream)] ulong stream, Dim3 grid, Dim3 block, uint sharedMemoryBytes,
        [MaxBytes(ProtocolLimits.MaxKernelParameterBytes)] ReadOnlySpan<byte> parameters);
}
