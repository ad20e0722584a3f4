
namespace Orion.Server.Core.Backend;

/// <summary>
/// One session's context on one device: memory, copies, modules, launches, streams and events.
/// Every method returns the driver status; <see cref="IDisposable.Dispose"/> destroys the context
/// and with it everything created in it (<c>cuCtxDestroy</c>), which is how a session's leftovers
/// are freed on disconnect.
/// </summary>
/// <remarks>
/// <para>Threading: every call on one context, from <see cref="IGpuBackend.CreateContext"/> to
/// <see cref="IDisposable.Dispose"/>, comes from one thread (the session's executor), so an
/// implementation may make the context current on that thread once. The only exception is the
/// callback of <see cref="LaunchHostFunction"/>, which the driver runs on a thread of its own.</para>
/// <para>Addresses: device addresses are 64-bit (<c>CUdeviceptr</c>); host addresses are pointers,
/// for asynchronous copies into pinned memory from <see cref="AllocateHost"/> that the caller keeps
/// alive until the stream has passed the copy. Sizes are in bytes unless a name says otherwise.</para>
/// <para>Asynchronous calls (those taking a <see cref="GpuStreamHandle"/>) return at once; a failure
/// that shows only when the work runs surfaces, as in CUDA, from a later synchronizing call.</para>
/// </remarks>
public partial interface IGpuContext : IDisposable
{
    /// <summary>The backend device ordinal this context lives on.</summary>
    int Device { get; }

    /// <summary><c>cuCtxSynchronize</c>.</summary>
    CudaStatus Synchronize();

    /// <summary><c>cuMemGetInfo_v2</c>.</summary>
    CudaStatus GetMemoryInfo(out ulong freeBytes, out ulong totalBytes);

    /// <summary><c>cuCtxGetLimit</c>.</summary>
    CudaStatus GetLimit(ContextLimit limit, out ulong value);

    /// <summary><c>cuCtxSetLimit</c>.</summary>
    CudaStatus SetLimit(ContextLimit limit, ulong value);

    // ---- memory ----

    /// <summary><c>cuMemAlloc_v2</c>.</summary>
    CudaStatus Allocate(ulong bytes, out ulong address);

    /// <summary><c>cuMemAllocPitch_v2</c>; <paramref name="elementSizeBytes"/> is 4, 8 or 16.</summary>
    CudaStatus AllocatePitch(ulong widthBytes, ulong height, uint elementSizeBytes, out ulong address, out ulong pitch);

    /// <summary><c>cuMemFree_v2</c>.</summary>
    CudaStatus Free(ulong address);

    /// <summary><c>cuMemAllocAsync</c> (stream-ordered), from the context's own default pool (<see cref="GetDefaultMemoryPool"/>).</summary>
    CudaStatus AllocateAsync(ulong bytes, GpuStreamHandle stream, out ulong address);

    /// <summary><c>cuMemFreeAsync</c> (stream-ordered).</summary>
    CudaStatus FreeAsync(ulong address, GpuStreamHandle stream);

    /// <summary><c>cuMemGetAddressRange_v2</c>: the allocation containing <paramref name="address"/>.</summary>
    CudaStatus GetAddressRange(ulong address, out ulong baseAddress, out ulong size);

    /// <summary><c>cuMemAllocHost_v2</c>: pinned host memory, used by the session as staging for copies.</summary>
    CudaStatus AllocateHost(ulong bytes, out nint hostPointer);

    /// <summary><c>cuMemFreeHost</c>.</summary>
    CudaStatus FreeHost(nint hostPointer);

    // ---- copies ----

    /// <summary><c>cuMemcpyHtoD_v2</c>.</summary>
    CudaStatus CopyHostToDevice(ulong destination, nint source, ulong bytes);

    /// <summary><c>cuMemcpyHtoDAsync_v2</c>; <paramref name="source"/> is pinned.</summary>
    CudaStatus CopyHostToDeviceAsync(ulong destination, nint source, ulong bytes, GpuStreamHandle stream);

    /// <summary><c>cuMemcpyDtoH_v2</c>.</summary>
    CudaStatus CopyDeviceToHost(nint destination, ulong source, ulong bytes);

    /// <summary><c>cuMemcpyDtoHAsync_v2</c>; <paramref name="destination"/> is pinned.</summary>
    CudaStatus CopyDeviceToHostAsync(nint destination, ulong source, ulong bytes, GpuStreamHandle stream);

    /// <summary><c>cuMemcpyDtoD_v2</c>.</summary>
    CudaStatus CopyDeviceToDevice(ulong destination, ulong source, ulong bytes);

    /// <summary><c>cuMemcpyDtoDAsync_v2</c>.</summary>
    CudaStatus CopyDeviceToDeviceAsync(ulong destination, ulong source, ulong bytes, GpuStreamHandle stream);

    /// <summary><c>cuMemcpy2D_v2</c>.</summary>
    CudaStatus Copy2D(in MemoryCopy2D copy);

    /// <summary><c>cuMemcpy2DAsync_v2</c>.</summary>
    CudaStatus Copy2DAsync(in MemoryCopy2D copy, GpuStreamHandle stream);

    /// <summary><c>cuMemcpyPeer</c>: from this context's <paramref name="source"/> to
    /// <paramref name="destination"/> in <paramref name="destinationContext"/> (same backend).</summary>
    CudaStatus CopyPeer(ulong destination, IGpuContext destinationContext, ulong source, ulong bytes);

    /// <summary><c>cuMemcpyPeerAsync</c>, ordered on a stream of this context.</summary>
    CudaStatus CopyPeerAsync(ulong destination, IGpuContext destinationContext, ulong source, ulong bytes, GpuStreamHandle stream);

    // ---- memset ----

    /// <summary><c>cuMemsetD8/D16/D32_v2</c>: <paramref name="count"/> elements of <paramref name="elementSize"/>;
    /// only the low 8 or 16 bits of <paramref name="value"/> are used for the narrower widths.</summary>
    CudaStatus Memset(ulong destination, uint value, MemsetElementSize elementSize, ulong count);

    /// <summary><c>cuMemsetD8/D16/D32Async</c>.</summary>
    CudaStatus MemsetAsync(ulong destination, uint value, MemsetElementSize elementSize, ulong count, GpuStreamHandle stream);

    /// <summary><c>cuMemsetD2D8/16/32_v2</c>: <paramref name="height"/> rows of <paramref name="widthElements"/> elements.</summary>
    CudaStatus Memset2D(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements, ulong height);

    /// <summary><c>cuMemsetD2D8/16/32Async</c>.</summary>
    CudaStatus Memset2DAsync(ulong destination, ulong pitch, uint value, MemsetElementSize elementSize, ulong widthElements, ulong height, GpuStreamHandle stream);

    // ---- modules and functions ----

    /// <summary>
    /// Loads a module image (<c>cuModuleLoadData</c>): a fatbin, a cubin or PTX text. PTX need not be
    /// NUL-terminated in <paramref name="image"/>; the backend terminates it if the driver needs it.
    /// </summary>
    CudaStatus LoadModule(ReadOnlySpan<byte> image, out GpuModuleHandle gpuModule);

    /// <summary><c>cuModuleUnload</c>.</summary>
    CudaStatus UnloadModule(GpuModuleHandle gpuModule);

    /// <summary><c>cuModuleGetFunction</c>, with its parameter layout (<c>cuFuncGetParamInfo</c>, in parameter order).</summary>
    CudaStatus GetFunction(GpuModuleHandle gpuModule, string name, out GpuFunctionHandle kernel, out KernelParameterInfo[] parameters);

    /// <summary><c>cuModuleGetGlobal_v2</c>: a <c>__device__</c> or <c>__constant__</c> variable.</summary>
    CudaStatus GetGlobal(GpuModuleHandle gpuModule, string name, out ulong address, out ulong bytes);

    /// <summary><c>cuFuncGetAttribute</c>.</summary>
    CudaStatus GetFunctionAttribute(GpuFunctionHandle kernel, FunctionAttributeId attribute, out int value);

    /// <summary><c>cuFuncSetAttribute</c>.</summary>
    CudaStatus SetFunctionAttribute(GpuFunctionHandle kernel, FunctionAttributeId attribute, int value);

    /// <summary><c>cuFuncSetCacheConfig</c>.</summary>
    CudaStatus SetFunctionCacheConfig(GpuFunctionHandle kernel, FunctionCacheConfig config);

    /// <summary><c>cuOccupancyAvailableDynamicSMemPerBlock</c>.</summary>
    CudaStatus GetAvailableDynamicSharedMemory(GpuFunctionHandle kernel, int blocksPerMultiprocessor, int blockSize, out ulong bytes);

    /// <summary><c>cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags</c>.</summary>
    CudaStatus GetMaxActiveBlocksPerMultiprocessor(GpuFunctionHandle kernel, int blockSize, ulong dynamicSharedMemoryBytes, uint flags, out int blocks);

    /// <summary>The names of every kernel of <paramref name="gpuModule"/>.</summary>
    CudaStatus ListFunctionNames(GpuModuleHandle gpuModule, out IReadOnlyList<string> names);

    /// <summary><c>cuOccupancyMaxActiveClusters</c> for a launch of <paramref name="configuration"/> in clusters of
    /// <paramref name="cluster"/> blocks (all zero: the function's compile-time cluster shape).</summary>
    CudaStatus GetMaxActiveClusters(GpuFunctionHandle kernel, in LaunchConfiguration configuration, Dim3 cluster, out int clusters);

    /// <summary>
    /// <c>cuLaunchKernel</c>. <paramref name="parameters"/> is the packed parameter buffer laid out
    /// by the offsets and sizes <see cref="GetFunction"/> returned (so the driver backend may pass
    /// it as <c>CU_LAUNCH_PARAM_BUFFER_POINTER</c>); it is only read during the call.
    /// </summary>
    CudaStatus Launch(GpuFunctionHandle kernel, in LaunchConfiguration configuration, GpuStreamHandle stream, ReadOnlySpan<byte> parameters);

    // ---- streams ----

    /// <summary><c>cuStreamCreateWithPriority</c>.</summary>
    CudaStatus CreateStream(uint flags, int priority, out GpuStreamHandle stream);

    /// <summary><c>cuStreamDestroy_v2</c>.</summary>
    CudaStatus DestroyStream(GpuStreamHandle stream);

    /// <summary><c>cuStreamSynchronize</c>.</summary>
    CudaStatus SynchronizeStream(GpuStreamHandle stream);

    /// <summary><c>cuStreamQuery</c>: <see cref="CudaStatus.Success"/> when idle, <see cref="CudaStatus.NotReady"/> otherwise.</summary>
    CudaStatus QueryStream(GpuStreamHandle stream);

    /// <summary><c>cuStreamWaitEvent</c>.</summary>
    CudaStatus StreamWaitEvent(GpuStreamHandle stream, GpuEventHandle gpuEvent, uint flags);

    /// <summary><c>cuCtxGetStreamPriorityRange</c>.</summary>
    CudaStatus GetStreamPriorityRange(out int leastPriority, out int greatestPriority);

    /// <summary>
    /// <c>cuLaunchHostFunc</c>: when the stream reaches this point, <paramref name="callback"/> runs
    /// with <paramref name="marker"/> on a thread of the driver's (the emulated device, whose streams
    /// are always idle, calls it before returning). It must not call into the context; the session
    /// only sends a "reached" notification to the client there.
    /// </summary>
    CudaStatus LaunchHostFunction(GpuStreamHandle stream, Action<ulong> callback, ulong marker);

    // ---- events ----

    /// <summary><c>cuEventCreate</c>.</summary>
    CudaStatus CreateEvent(uint flags, out GpuEventHandle gpuEvent);

    /// <summary><c>cuEventDestroy_v2</c>.</summary>
    CudaStatus DestroyEvent(GpuEventHandle gpuEvent);

    /// <summary><c>cuEventRecordWithFlags</c> (flags 0 is <c>cuEventRecord</c>).</summary>
    CudaStatus RecordEvent(GpuEventHandle gpuEvent, GpuStreamHandle stream, uint flags);

    /// <summary><c>cuEventSynchronize</c>.</summary>
    CudaStatus SynchronizeEvent(GpuEventHandle gpuEvent);

    /// <summary><c>cuEventQuery</c>.</summary>
    CudaStatus QueryEvent(GpuEventHandle gpuEvent);

    /// <summary><c>cuEventElapsedTime_v2</c>, in milliseconds.</summary>
    CudaStatus GetEventElapsedTime(GpuEventHandle startEvent, GpuEventHandle endEvent, out float milliseconds);
}
