using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// Entry points of the CUDA driver (<c>libcuda.so.1</c>). Each binds the explicit versioned symbol
/// that <c>cuda.h</c> of CUDA 13 maps its public name to (for example <c>cuMemAlloc</c> is
/// <c>cuMemAlloc_v2</c> and <c>cuCtxCreate</c> is <c>cuCtxCreate_v4</c>), so the ABI never depends
/// on a header macro. All were checked with <c>nm -D</c> against driver 580.159 (see
/// docs/gpu-tests.md). Handles are <see cref="nint"/>, device pointers <see cref="ulong"/>, and every
/// call returns the raw <see cref="CudaStatus"/>: turning codes into exceptions is the caller's choice.
/// The library is resolved lazily at the first call; <see cref="CudaDriverProbe"/> checks it exists first.
/// </summary>
internal static unsafe partial class CudaDriverApi
{
    internal const string LibraryName = "libcuda.so.1";

    // ---- initialisation, versions, errors ----
    [LibraryImport(LibraryName, EntryPoint = "cuInit")]
    internal static partial CudaStatus Init(uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuDriverGetVersion")]
    internal static partial CudaStatus DriverGetVersion(int* version);

    [LibraryImport(LibraryName, EntryPoint = "cuGetErrorName")]
    internal static partial CudaStatus GetErrorName(CudaStatus error, byte** name);

    [LibraryImport(LibraryName, EntryPoint = "cuGetErrorString")]
    internal static partial CudaStatus GetErrorString(CudaStatus error, byte** description);

    // ---- devices ----
    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetCount")]
    internal static partial CudaStatus DeviceGetCount(int* count);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGet")]
    internal static partial CudaStatus DeviceGet(int* device, int ordinal);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetName")]
    internal static partial CudaStatus DeviceGetName(byte* name, int length, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetUuid_v2")]
    internal static partial CudaStatus DeviceGetUuid(CuUuid* uuid, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceTotalMem_v2")]
    internal static partial CudaStatus DeviceTotalMem(nuint* bytes, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetAttribute")]
    internal static partial CudaStatus DeviceGetAttribute(int* value, int attribute, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceGetPCIBusId")]
    internal static partial CudaStatus DeviceGetPciBusId(byte* busId, int length, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuDeviceCanAccessPeer")]
    internal static partial CudaStatus DeviceCanAccessPeer(int* canAccess, int device, int peerDevice);

    // ---- contexts ----
    /// <summary>CUDA 13's <c>cuCtxCreate</c>; <paramref name="createParams"/> may be null.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuCtxCreate_v4")]
    internal static partial CudaStatus CtxCreate(nint* context, CuContextCreateParams* createParams, uint flags, int device);

    [LibraryImport(LibraryName, EntryPoint = "cuCtxDestroy_v2")]
    internal static partial CudaStatus CtxDestroy(nint context);

    [LibraryImport(LibraryName, EntryPoint = "cuCtxSetCurrent")]
    internal static partial CudaStatus CtxSetCurrent(nint context);

    [LibraryImport(LibraryName, EntryPoint = "cuCtxGetCurrent")]
    internal static partial CudaStatus CtxGetCurrent(nint* context);

    [LibraryImport(LibraryName, EntryPoint = "cuCtxSynchronize")]
    internal static partial CudaStatus CtxSynchronize();

    [LibraryImport(LibraryName, EntryPoint = "cuCtxGetLimit")]
    internal static partial CudaStatus CtxGetLimit(nuint* value, int limit);

    [LibraryImport(LibraryName, EntryPoint = "cuCtxSetLimit")]
    internal static partial CudaStatus CtxSetLimit(int limit, nuint value);

    [LibraryImport(LibraryName, EntryPoint = "cuCtxGetStreamPriorityRange")]
    internal static partial CudaStatus CtxGetStreamPriorityRange(int* leastPriority, int* greatestPriority);

    // ---- memory ----
    [LibraryImport(LibraryName, EntryPoint = "cuMemGetInfo_v2")]
    internal static partial CudaStatus MemGetInfo(nuint* free, nuint* total);

    [LibraryImport(LibraryName, EntryPoint = "cuMemAlloc_v2")]
    internal static partial CudaStatus MemAlloc(ulong* devicePointer, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemAllocPitch_v2")]
    internal static partial CudaStatus MemAllocPitch(ulong* devicePointer, nuint* pitch, nuint widthInBytes, nuint height, uint elementSizeBytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemFree_v2")]
    internal static partial CudaStatus MemFree(ulong devicePointer);

    [LibraryImport(LibraryName, EntryPoint = "cuMemAllocAsync")]
    internal static partial CudaStatus MemAllocAsync(ulong* devicePointer, nuint bytes, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemFreeAsync")]
    internal static partial CudaStatus MemFreeAsync(ulong devicePointer, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemGetAddressRange_v2")]
    internal static partial CudaStatus MemGetAddressRange(ulong* baseAddress, nuint* size, ulong address);

    [LibraryImport(LibraryName, EntryPoint = "cuMemAllocHost_v2")]
    internal static partial CudaStatus MemAllocHost(void** hostPointer, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemHostAlloc")]
    internal static partial CudaStatus MemHostAlloc(void** hostPointer, nuint bytes, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuMemFreeHost")]
    internal static partial CudaStatus MemFreeHost(void* hostPointer);

    [LibraryImport(LibraryName, EntryPoint = "cuMemHostRegister_v2")]
    internal static partial CudaStatus MemHostRegister(void* hostPointer, nuint bytes, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuMemHostUnregister")]
    internal static partial CudaStatus MemHostUnregister(void* hostPointer);

    // ---- copies ----
    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyHtoD_v2")]
    internal static partial CudaStatus MemcpyHtoD(ulong destination, void* source, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyDtoH_v2")]
    internal static partial CudaStatus MemcpyDtoH(void* destination, ulong source, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyDtoD_v2")]
    internal static partial CudaStatus MemcpyDtoD(ulong destination, ulong source, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    internal static partial CudaStatus MemcpyHtoDAsync(ulong destination, void* source, nuint bytes, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    internal static partial CudaStatus MemcpyDtoHAsync(void* destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyDtoDAsync_v2")]
    internal static partial CudaStatus MemcpyDtoDAsync(ulong destination, ulong source, nuint bytes, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpy2D_v2")]
    internal static partial CudaStatus Memcpy2D(CuMemcpy2D* copy);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpy2DAsync_v2")]
    internal static partial CudaStatus Memcpy2DAsync(CuMemcpy2D* copy, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyPeer")]
    internal static partial CudaStatus MemcpyPeer(ulong destination, nint destinationContext, ulong source, nint sourceContext, nuint bytes);

    [LibraryImport(LibraryName, EntryPoint = "cuMemcpyPeerAsync")]
    internal static partial CudaStatus MemcpyPeerAsync(ulong destination, nint destinationContext, ulong source, nint sourceContext, nuint bytes, nint stream);

    // ---- memsets ----
    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD8_v2")]
    internal static partial CudaStatus MemsetD8(ulong destination, byte value, nuint count);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD16_v2")]
    internal static partial CudaStatus MemsetD16(ulong destination, ushort value, nuint count);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD32_v2")]
    internal static partial CudaStatus MemsetD32(ulong destination, uint value, nuint count);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD8Async")]
    internal static partial CudaStatus MemsetD8Async(ulong destination, byte value, nuint count, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD16Async")]
    internal static partial CudaStatus MemsetD16Async(ulong destination, ushort value, nuint count, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD32Async")]
    internal static partial CudaStatus MemsetD32Async(ulong destination, uint value, nuint count, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD2D8_v2")]
    internal static partial CudaStatus MemsetD2D8(ulong destination, nuint pitch, byte value, nuint width, nuint height);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD2D16_v2")]
    internal static partial CudaStatus MemsetD2D16(ulong destination, nuint pitch, ushort value, nuint width, nuint height);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD2D32_v2")]
    internal static partial CudaStatus MemsetD2D32(ulong destination, nuint pitch, uint value, nuint width, nuint height);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD2D8Async")]
    internal static partial CudaStatus MemsetD2D8Async(ulong destination, nuint pitch, byte value, nuint width, nuint height, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD2D16Async")]
    internal static partial CudaStatus MemsetD2D16Async(ulong destination, nuint pitch, ushort value, nuint width, nuint height, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuMemsetD2D32Async")]
    internal static partial CudaStatus MemsetD2D32Async(ulong destination, nuint pitch, uint value, nuint width, nuint height, nint stream);

    // ---- modules and functions ----
    [LibraryImport(LibraryName, EntryPoint = "cuModuleLoadData")]
    internal static partial CudaStatus ModuleLoadData(nint* module, void* image);

    [LibraryImport(LibraryName, EntryPoint = "cuModuleLoadDataEx")]
    internal static partial CudaStatus ModuleLoadDataEx(nint* module, void* image, uint optionCount, int* options, void** optionValues);

    [LibraryImport(LibraryName, EntryPoint = "cuModuleUnload")]
    internal static partial CudaStatus ModuleUnload(nint module);

    [LibraryImport(LibraryName, EntryPoint = "cuModuleGetFunction")]
    internal static partial CudaStatus ModuleGetFunction(nint* function, nint module, byte* name);

    [LibraryImport(LibraryName, EntryPoint = "cuModuleGetGlobal_v2")]
    internal static partial CudaStatus ModuleGetGlobal(ulong* devicePointer, nuint* bytes, nint module, byte* name);

    [LibraryImport(LibraryName, EntryPoint = "cuFuncGetParamInfo")]
    internal static partial CudaStatus FuncGetParamInfo(nint function, nuint parameterIndex, nuint* parameterOffset, nuint* parameterSize);

    [LibraryImport(LibraryName, EntryPoint = "cuFuncGetAttribute")]
    internal static partial CudaStatus FuncGetAttribute(int* value, int attribute, nint function);

    [LibraryImport(LibraryName, EntryPoint = "cuFuncSetAttribute")]
    internal static partial CudaStatus FuncSetAttribute(nint function, int attribute, int value);

    [LibraryImport(LibraryName, EntryPoint = "cuFuncSetCacheConfig")]
    internal static partial CudaStatus FuncSetCacheConfig(nint function, int config);

    [LibraryImport(LibraryName, EntryPoint = "cuOccupancyAvailableDynamicSMemPerBlock")]
    internal static partial CudaStatus OccupancyAvailableDynamicSMemPerBlock(nuint* bytes, nint function, int blocks, int blockSize);

    [LibraryImport(LibraryName, EntryPoint = "cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags")]
    internal static partial CudaStatus OccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int* blocks, nint function, int blockSize, nuint dynamicSharedMemory, uint flags);

    /// <summary><c>cuLaunchKernelEx</c>: a launch with the attributes of <paramref name="config"/>; Orion passes the
    /// packed argument buffer through <paramref name="extra"/>.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuLaunchKernelEx")]
    internal static partial CudaStatus LaunchKernelEx(CuLaunchConfig* config, nint function, void** kernelParams, void** extra);

    [LibraryImport(LibraryName, EntryPoint = "cuOccupancyMaxActiveClusters")]
    internal static partial CudaStatus OccupancyMaxActiveClusters(int* clusters, nint function, CuLaunchConfig* config);

    /// <summary>
    /// <c>cuLaunchKernel</c>. Orion passes the packed argument buffer through <paramref name="extra"/>
    /// (<c>CU_LAUNCH_PARAM_BUFFER_POINTER</c>/<c>_SIZE</c>) or per-parameter pointers through
    /// <paramref name="kernelParams"/>.
    /// </summary>
    [LibraryImport(LibraryName, EntryPoint = "cuLaunchKernel")]
    internal static partial CudaStatus LaunchKernel(
        nint function,
        uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ,
        uint sharedMemoryBytes, nint stream, void** kernelParams, void** extra);

    // ---- streams ----
    [LibraryImport(LibraryName, EntryPoint = "cuStreamCreateWithPriority")]
    internal static partial CudaStatus StreamCreateWithPriority(nint* stream, uint flags, int priority);

    [LibraryImport(LibraryName, EntryPoint = "cuStreamDestroy_v2")]
    internal static partial CudaStatus StreamDestroy(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuStreamSynchronize")]
    internal static partial CudaStatus StreamSynchronize(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuStreamQuery")]
    internal static partial CudaStatus StreamQuery(nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuStreamWaitEvent")]
    internal static partial CudaStatus StreamWaitEvent(nint stream, nint cudaEvent, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuLaunchHostFunc")]
    internal static partial CudaStatus LaunchHostFunc(nint stream, delegate* unmanaged<nint, void> function, nint userData);

    // ---- events ----
    [LibraryImport(LibraryName, EntryPoint = "cuEventCreate")]
    internal static partial CudaStatus EventCreate(nint* cudaEvent, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuEventRecord")]
    internal static partial CudaStatus EventRecord(nint cudaEvent, nint stream);

    [LibraryImport(LibraryName, EntryPoint = "cuEventRecordWithFlags")]
    internal static partial CudaStatus EventRecordWithFlags(nint cudaEvent, nint stream, uint flags);

    [LibraryImport(LibraryName, EntryPoint = "cuEventSynchronize")]
    internal static partial CudaStatus EventSynchronize(nint cudaEvent);

    [LibraryImport(LibraryName, EntryPoint = "cuEventQuery")]
    internal static partial CudaStatus EventQuery(nint cudaEvent);

    /// <summary>CUDA 13's <c>cuEventElapsedTime</c> is the <c>_v2</c> symbol.</summary>
    [LibraryImport(LibraryName, EntryPoint = "cuEventElapsedTime_v2")]
    internal static partial CudaStatus EventElapsedTime(float* milliseconds, nint start, nint end);

    [LibraryImport(LibraryName, EntryPoint = "cuEventDestroy_v2")]
    internal static partial CudaStatus EventDestroy(nint cudaEvent);
}
