/* Device selection, properties and attributes, versions, device-wide synchronize and reset. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "stub_internal.h"

static _Thread_local int current_device;
static pthread_once_t count_once = PTHREAD_ONCE_INIT;
static int device_count;
static cudaError_t device_count_result = cudaErrorNoDevice;

/* Immutable per-device facts, fetched in one round trip the first time anything asks. */
typedef struct device_facts {
    int loaded;
    int attributes[ORION_DEVICE_ATTR_CACHE_SIZE];
    char name[256];
    cudaUUID_t uuid;
    uint64_t total_memory;
} device_facts;

static pthread_mutex_t facts_lock = PTHREAD_MUTEX_INITIALIZER;
static device_facts facts[STUB_MAX_DEVICES];
static _Thread_local unsigned int requested_flags[STUB_MAX_DEVICES];

int stub_current_device(void) { return current_device; }

static void load_device_count(void)
{
    int32_t count = 0;
    cudaError_t error = stub_client_ready();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_device_count(&count);
    if (error == cudaSuccess && count <= 0)
        error = cudaErrorNoDevice;
    if (error == cudaSuccess && count > STUB_MAX_DEVICES) {
        stub_log(STUB_LOG_WARN, "the server offers %d devices; this libcudart.so.13 uses the first %d", (int)count,
                 STUB_MAX_DEVICES);
        count = STUB_MAX_DEVICES;
    }
    device_count = error == cudaSuccess ? count : 0;
    device_count_result = error;
}

cudaError_t stub_device_count(int *count)
{
    pthread_once(&count_once, load_device_count);
    *count = device_count;
    return device_count_result;
}

static cudaError_t check_device(int device)
{
    int count = 0;
    cudaError_t error = stub_device_count(&count);
    if (error != cudaSuccess)
        return error;
    return device >= 0 && device < count ? cudaSuccess : cudaErrorInvalidDevice;
}

static cudaError_t load_facts(int device, const device_facts **out)
{
    cudaError_t error = check_device(device);
    if (error != cudaSuccess)
        return error;
    pthread_mutex_lock(&facts_lock);
    device_facts *entry = &facts[device];
    if (!entry->loaded) {
        int32_t numbers[ORION_DEVICE_ATTR_CACHE_SIZE];
        int32_t values[ORION_DEVICE_ATTR_CACHE_SIZE];
        for (int i = 0; i < ORION_DEVICE_ATTR_CACHE_SIZE; i++)
            numbers[i] = i;
        error = (cudaError_t)stub_client.orion_device_get_attributes(device, ORION_DEVICE_ATTR_CACHE_SIZE, numbers,
                                                                     values);
        if (error == cudaSuccess)
            error = (cudaError_t)stub_client.orion_device_get_name(device, entry->name, (int32_t)sizeof entry->name);
        if (error == cudaSuccess)
            error = (cudaError_t)stub_client.orion_device_get_uuid(device, (uint8_t *)entry->uuid.bytes);
        if (error == cudaSuccess)
            error = (cudaError_t)stub_client.orion_device_total_memory(device, &entry->total_memory);
        if (error == cudaSuccess) {
            entry->name[sizeof entry->name - 1] = '\0';
            for (int i = 0; i < ORION_DEVICE_ATTR_CACHE_SIZE; i++)
                entry->attributes[i] = values[i];
            entry->loaded = 1;
        }
    }
    pthread_mutex_unlock(&facts_lock);
    *out = entry;
    return error;
}

cudaError_t stub_device_attribute(int device, enum cudaDeviceAttr attribute, int *value)
{
    if ((int)attribute < 0 || (int)attribute >= ORION_DEVICE_ATTR_CACHE_SIZE)
        return cudaErrorInvalidValue;
    const device_facts *entry = NULL;
    cudaError_t error = load_facts(device, &entry);
    if (error == cudaSuccess)
        *value = entry->attributes[attribute];
    return error;
}

STUB_API cudaError_t cudaGetDeviceCount(int *count)
{
    if (count == NULL)
        return stub_result(cudaErrorInvalidValue);
    return stub_result(stub_device_count(count));
}

STUB_API cudaError_t cudaGetDevice(int *device)
{
    if (device == NULL)
        return stub_result(cudaErrorInvalidValue);
    *device = current_device;
    return cudaSuccess;
}

STUB_API cudaError_t cudaSetDevice(int device)
{
    cudaError_t error = check_device(device);
    if (error == cudaSuccess)
        current_device = device;
    return stub_result(error);
}

/* Records the device flags cudaGetDeviceFlags reports. Scheduling flags concern how the host thread
   waits for the GPU; Orion waits on its connection, so they change nothing else. */
static cudaError_t set_device_flags(int device, unsigned int flags)
{
    if ((flags & ~(unsigned int)cudaDeviceMask) != 0)
        return cudaErrorInvalidValue;
    cudaError_t error = check_device(device);
    if (error != cudaSuccess)
        return error;
    if ((flags & cudaDeviceMapHost) != 0)
        stub_log(STUB_LOG_INFO, "cudaDeviceMapHost has no effect: mapped host memory is not supported by Orion");
    requested_flags[device] = flags;
    return cudaSuccess;
}

STUB_API cudaError_t cudaInitDevice(int device, unsigned int device_flags, unsigned int flags)
{
    if ((flags & ~(unsigned int)cudaInitDeviceFlagsAreValid) != 0)
        return stub_result(cudaErrorInvalidValue);
    /* device_flags count only when the caller says so, as in CUDA. */
    if ((flags & cudaInitDeviceFlagsAreValid) != 0)
        return stub_result(set_device_flags(device, device_flags));
    return stub_result(check_device(device));
}

STUB_API cudaError_t cudaSetDeviceFlags(unsigned int flags) { return stub_result(set_device_flags(current_device, flags)); }

STUB_API cudaError_t cudaGetDeviceFlags(unsigned int *flags)
{
    if (flags == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = check_device(current_device);
    if (error != cudaSuccess)
        return stub_result(error);
    *flags = requested_flags[current_device];
    return cudaSuccess;
}

STUB_API cudaError_t cudaDriverGetVersion(int *version)
{
    if (version == NULL)
        return stub_result(cudaErrorInvalidValue);
    /* Like CUDA without a driver: 0 and success when no server can be reached. */
    *version = 0;
    if (stub_client_ready() != cudaSuccess)
        return cudaSuccess;
    int32_t remote = 0;
    cudaError_t error = (cudaError_t)stub_client.orion_driver_version(&remote);
    if (error == cudaSuccess)
        *version = remote;
    return stub_result(error);
}

STUB_API cudaError_t cudaRuntimeGetVersion(int *version)
{
    if (version == NULL)
        return stub_result(cudaErrorInvalidValue);
    *version = ORION_CUDART_VERSION;
    return cudaSuccess;
}

STUB_API cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attribute, int device)
{
    if (value == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = stub_begin();
    if (error != cudaSuccess)
        return stub_result(error);
    if ((int)attribute >= 0 && (int)attribute < ORION_DEVICE_ATTR_CACHE_SIZE) {
        const device_facts *entry = NULL;
        error = load_facts(device, &entry);
        if (error == cudaSuccess)
            *value = entry->attributes[attribute];
        return stub_result(error);
    }
    error = check_device(device);
    if (error != cudaSuccess)
        return stub_result(error);
    int32_t number = (int32_t)attribute, remote = 0;
    error = (cudaError_t)stub_client.orion_device_get_attributes(device, 1, &number, &remote);
    if (error == cudaSuccess)
        *value = remote;
    return stub_result(error);
}

static void fill_properties(struct cudaDeviceProp *p, const device_facts *f)
{
    const int *a = f->attributes;
    memset(p, 0, sizeof *p);
    memcpy(p->name, f->name, sizeof p->name);
    p->uuid = f->uuid;
    p->totalGlobalMem = f->total_memory;
    p->sharedMemPerBlock = (size_t)a[cudaDevAttrMaxSharedMemoryPerBlock];
    p->regsPerBlock = a[cudaDevAttrMaxRegistersPerBlock];
    p->warpSize = a[cudaDevAttrWarpSize];
    p->memPitch = (size_t)a[cudaDevAttrMaxPitch];
    p->maxThreadsPerBlock = a[cudaDevAttrMaxThreadsPerBlock];
    p->maxThreadsDim[0] = a[cudaDevAttrMaxBlockDimX];
    p->maxThreadsDim[1] = a[cudaDevAttrMaxBlockDimY];
    p->maxThreadsDim[2] = a[cudaDevAttrMaxBlockDimZ];
    p->maxGridSize[0] = a[cudaDevAttrMaxGridDimX];
    p->maxGridSize[1] = a[cudaDevAttrMaxGridDimY];
    p->maxGridSize[2] = a[cudaDevAttrMaxGridDimZ];
    p->totalConstMem = (size_t)a[cudaDevAttrTotalConstantMemory];
    p->major = a[cudaDevAttrComputeCapabilityMajor];
    p->minor = a[cudaDevAttrComputeCapabilityMinor];
    p->textureAlignment = (size_t)a[cudaDevAttrTextureAlignment];
    p->texturePitchAlignment = (size_t)a[cudaDevAttrTexturePitchAlignment];
    p->multiProcessorCount = a[cudaDevAttrMultiProcessorCount];
    p->integrated = a[cudaDevAttrIntegrated];
    p->canMapHostMemory = 0; /* mapped host memory cannot cross the network */
    p->maxTexture1D = a[cudaDevAttrMaxTexture1DWidth];
    p->maxTexture1DMipmap = a[cudaDevAttrMaxTexture1DMipmappedWidth];
    p->maxTexture2D[0] = a[cudaDevAttrMaxTexture2DWidth];
    p->maxTexture2D[1] = a[cudaDevAttrMaxTexture2DHeight];
    p->maxTexture2DMipmap[0] = a[cudaDevAttrMaxTexture2DMipmappedWidth];
    p->maxTexture2DMipmap[1] = a[cudaDevAttrMaxTexture2DMipmappedHeight];
    p->maxTexture2DLinear[0] = a[cudaDevAttrMaxTexture2DLinearWidth];
    p->maxTexture2DLinear[1] = a[cudaDevAttrMaxTexture2DLinearHeight];
    p->maxTexture2DLinear[2] = a[cudaDevAttrMaxTexture2DLinearPitch];
    p->maxTexture2DGather[0] = a[cudaDevAttrMaxTexture2DGatherWidth];
    p->maxTexture2DGather[1] = a[cudaDevAttrMaxTexture2DGatherHeight];
    p->maxTexture3D[0] = a[cudaDevAttrMaxTexture3DWidth];
    p->maxTexture3D[1] = a[cudaDevAttrMaxTexture3DHeight];
    p->maxTexture3D[2] = a[cudaDevAttrMaxTexture3DDepth];
    p->maxTexture3DAlt[0] = a[cudaDevAttrMaxTexture3DWidthAlt];
    p->maxTexture3DAlt[1] = a[cudaDevAttrMaxTexture3DHeightAlt];
    p->maxTexture3DAlt[2] = a[cudaDevAttrMaxTexture3DDepthAlt];
    p->maxTextureCubemap = a[cudaDevAttrMaxTextureCubemapWidth];
    p->maxTexture1DLayered[0] = a[cudaDevAttrMaxTexture1DLayeredWidth];
    p->maxTexture1DLayered[1] = a[cudaDevAttrMaxTexture1DLayeredLayers];
    p->maxTexture2DLayered[0] = a[cudaDevAttrMaxTexture2DLayeredWidth];
    p->maxTexture2DLayered[1] = a[cudaDevAttrMaxTexture2DLayeredHeight];
    p->maxTexture2DLayered[2] = a[cudaDevAttrMaxTexture2DLayeredLayers];
    p->maxTextureCubemapLayered[0] = a[cudaDevAttrMaxTextureCubemapLayeredWidth];
    p->maxTextureCubemapLayered[1] = a[cudaDevAttrMaxTextureCubemapLayeredLayers];
    p->maxSurface1D = a[cudaDevAttrMaxSurface1DWidth];
    p->maxSurface2D[0] = a[cudaDevAttrMaxSurface2DWidth];
    p->maxSurface2D[1] = a[cudaDevAttrMaxSurface2DHeight];
    p->maxSurface3D[0] = a[cudaDevAttrMaxSurface3DWidth];
    p->maxSurface3D[1] = a[cudaDevAttrMaxSurface3DHeight];
    p->maxSurface3D[2] = a[cudaDevAttrMaxSurface3DDepth];
    p->maxSurface1DLayered[0] = a[cudaDevAttrMaxSurface1DLayeredWidth];
    p->maxSurface1DLayered[1] = a[cudaDevAttrMaxSurface1DLayeredLayers];
    p->maxSurface2DLayered[0] = a[cudaDevAttrMaxSurface2DLayeredWidth];
    p->maxSurface2DLayered[1] = a[cudaDevAttrMaxSurface2DLayeredHeight];
    p->maxSurface2DLayered[2] = a[cudaDevAttrMaxSurface2DLayeredLayers];
    p->maxSurfaceCubemap = a[cudaDevAttrMaxSurfaceCubemapWidth];
    p->maxSurfaceCubemapLayered[0] = a[cudaDevAttrMaxSurfaceCubemapLayeredWidth];
    p->maxSurfaceCubemapLayered[1] = a[cudaDevAttrMaxSurfaceCubemapLayeredLayers];
    p->surfaceAlignment = (size_t)a[cudaDevAttrSurfaceAlignment];
    p->concurrentKernels = a[cudaDevAttrConcurrentKernels];
    p->ECCEnabled = a[cudaDevAttrEccEnabled];
    p->pciBusID = a[cudaDevAttrPciBusId];
    p->pciDeviceID = a[cudaDevAttrPciDeviceId];
    p->pciDomainID = a[cudaDevAttrPciDomainId];
    p->tccDriver = a[cudaDevAttrTccDriver];
    p->asyncEngineCount = a[cudaDevAttrAsyncEngineCount];
    p->unifiedAddressing = a[cudaDevAttrUnifiedAddressing];
    p->memoryBusWidth = a[cudaDevAttrGlobalMemoryBusWidth];
    p->l2CacheSize = a[cudaDevAttrL2CacheSize];
    p->persistingL2CacheMaxSize = a[cudaDevAttrMaxPersistingL2CacheSize];
    p->maxThreadsPerMultiProcessor = a[cudaDevAttrMaxThreadsPerMultiProcessor];
    p->streamPrioritiesSupported = a[cudaDevAttrStreamPrioritiesSupported];
    p->globalL1CacheSupported = a[cudaDevAttrGlobalL1CacheSupported];
    p->localL1CacheSupported = a[cudaDevAttrLocalL1CacheSupported];
    p->sharedMemPerMultiprocessor = (size_t)a[cudaDevAttrMaxSharedMemoryPerMultiprocessor];
    p->regsPerMultiprocessor = a[cudaDevAttrMaxRegistersPerMultiprocessor];
    p->managedMemory = 0; /* managed memory is not supported by Orion */
    p->isMultiGpuBoard = a[cudaDevAttrIsMultiGpuBoard];
    p->multiGpuBoardGroupID = a[cudaDevAttrMultiGpuBoardGroupID];
    p->hostNativeAtomicSupported = a[cudaDevAttrHostNativeAtomicSupported];
    p->pageableMemoryAccess = 0;
    p->concurrentManagedAccess = 0;
    p->computePreemptionSupported = a[cudaDevAttrComputePreemptionSupported];
    p->canUseHostPointerForRegisteredMem = 0;
    p->cooperativeLaunch = a[cudaDevAttrCooperativeLaunch];
    p->sharedMemPerBlockOptin = (size_t)a[cudaDevAttrMaxSharedMemoryPerBlockOptin];
    p->pageableMemoryAccessUsesHostPageTables = 0;
    p->directManagedMemAccessFromHost = 0;
    p->maxBlocksPerMultiProcessor = a[cudaDevAttrMaxBlocksPerMultiprocessor];
    p->accessPolicyMaxWindowSize = a[cudaDevAttrMaxAccessPolicyWindowSize];
    p->reservedSharedMemPerBlock = (size_t)a[cudaDevAttrReservedSharedMemoryPerBlock];
    p->hostRegisterSupported = a[cudaDevAttrHostRegisterSupported];
    p->sparseCudaArraySupported = a[cudaDevAttrSparseCudaArraySupported];
    p->hostRegisterReadOnlySupported = a[cudaDevAttrHostRegisterReadOnlySupported];
    p->timelineSemaphoreInteropSupported = a[cudaDevAttrTimelineSemaphoreInteropSupported];
    p->memoryPoolsSupported = a[cudaDevAttrMemoryPoolsSupported];
    p->gpuDirectRDMASupported = a[cudaDevAttrGPUDirectRDMASupported];
    p->gpuDirectRDMAFlushWritesOptions = (unsigned int)a[cudaDevAttrGPUDirectRDMAFlushWritesOptions];
    p->gpuDirectRDMAWritesOrdering = a[cudaDevAttrGPUDirectRDMAWritesOrdering];
    p->memoryPoolSupportedHandleTypes = (unsigned int)a[cudaDevAttrMemoryPoolSupportedHandleTypes];
    p->deferredMappingCudaArraySupported = a[cudaDevAttrDeferredMappingCudaArraySupported];
    p->ipcEventSupported = 0; /* IPC cannot reach a remote GPU */
    p->clusterLaunch = a[cudaDevAttrClusterLaunch];
    p->unifiedFunctionPointers = 0;
    p->deviceNumaConfig = a[cudaDevAttrNumaConfig];
    p->deviceNumaId = a[cudaDevAttrNumaId];
    p->mpsEnabled = a[cudaDevAttrMpsEnabled];
    p->hostNumaId = a[cudaDevAttrHostNumaId];
    p->gpuPciDeviceID = (unsigned int)a[cudaDevAttrGpuPciDeviceId];
    p->gpuPciSubsystemID = (unsigned int)a[cudaDevAttrGpuPciSubsystemId];
    p->hostNumaMultinodeIpcSupported = a[cudaDevAttrHostNumaMultinodeIpcSupported];
}

STUB_API cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *properties, int device)
{
    if (properties == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = stub_client_ready();
    const device_facts *entry = NULL;
    if (error == cudaSuccess)
        error = load_facts(device, &entry);
    if (error == cudaSuccess)
        fill_properties(properties, entry);
    return stub_result(error);
}

STUB_API cudaError_t cudaChooseDevice(int *device, const struct cudaDeviceProp *wanted)
{
    if (device == NULL || wanted == NULL)
        return stub_result(cudaErrorInvalidValue);
    int count = 0;
    cudaError_t error = stub_device_count(&count);
    if (error != cudaSuccess)
        return stub_result(error);
    /* Like CUDA: the device whose compute capability is closest to the wanted one. */
    int best = 0;
    long best_distance = -1;
    for (int candidate = 0; candidate < count; candidate++) {
        const device_facts *entry = NULL;
        error = load_facts(candidate, &entry);
        if (error != cudaSuccess)
            return stub_result(error);
        long have = entry->attributes[cudaDevAttrComputeCapabilityMajor] * 10L +
                    entry->attributes[cudaDevAttrComputeCapabilityMinor];
        long want = wanted->major * 10L + wanted->minor;
        long distance = have >= want ? have - want : (want - have) * 1000;
        if (best_distance < 0 || distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    *device = best;
    return cudaSuccess;
}

STUB_API cudaError_t cudaDeviceSynchronize(void)
{
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_device_synchronize(current_device);
    return stub_result(error);
}

STUB_API cudaError_t cudaDeviceReset(void)
{
    cudaError_t error = stub_client_ready();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_device_reset(current_device);
    if (error == cudaSuccess) {
        /* The server destroyed the device's context: everything made in it is gone. */
        stub_ranges_forget_device(current_device);
        stub_registry_forget_device(current_device);
        stub_clear_sticky_error();
    }
    return stub_result(error);
}

STUB_API cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes)
{
    if (free_bytes == NULL || total_bytes == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = stub_begin();
    uint64_t free_remote = 0, total_remote = 0;
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_device_memory_info(current_device, &free_remote, &total_remote);
    if (error == cudaSuccess) {
        *free_bytes = (size_t)free_remote;
        *total_bytes = (size_t)total_remote;
    }
    return stub_result(error);
}

STUB_API cudaError_t cudaDeviceGetStreamPriorityRange(int *least, int *greatest)
{
    cudaError_t error = stub_begin();
    int32_t low = 0, high = 0;
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_stream_priority_range(current_device, &low, &high);
    if (error == cudaSuccess) {
        if (least != NULL)
            *least = low;
        if (greatest != NULL)
            *greatest = high;
    }
    return stub_result(error);
}

STUB_API cudaError_t cudaDeviceSetCacheConfig(enum cudaFuncCache config)
{
    /* A preference, which CUDA itself may ignore; Orion does. */
    if ((int)config < cudaFuncCachePreferNone || (int)config > cudaFuncCachePreferEqual)
        return stub_result(cudaErrorInvalidValue);
    return stub_result(stub_begin());
}

STUB_API cudaError_t cudaDeviceGetCacheConfig(enum cudaFuncCache *config)
{
    if (config == NULL)
        return stub_result(cudaErrorInvalidValue);
    *config = cudaFuncCachePreferNone;
    return stub_result(stub_begin());
}

STUB_API cudaError_t cudaDeviceCanAccessPeer(int *can_access, int device, int peer_device)
{
    if (can_access == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = check_device(device);
    if (error == cudaSuccess)
        error = check_device(peer_device);
    /* Peer access between remote GPUs is not offered; cudaMemcpyPeer still works. */
    *can_access = 0;
    return stub_result(error);
}

STUB_API cudaError_t cudaProfilerStart(void) { return cudaSuccess; }

STUB_API cudaError_t cudaProfilerStop(void) { return cudaSuccess; }
