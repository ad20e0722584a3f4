/* Kernel attributes, cache preferences and occupancy, answered by the server's driver. */
#include "stub_internal.h"

/* Driver CUfunction_attribute numbers (fixed by the driver ABI). */
enum {
    FUNC_MAX_THREADS_PER_BLOCK = 0,
    FUNC_SHARED_SIZE_BYTES = 1,
    FUNC_CONST_SIZE_BYTES = 2,
    FUNC_LOCAL_SIZE_BYTES = 3,
    FUNC_NUM_REGS = 4,
    FUNC_PTX_VERSION = 5,
    FUNC_BINARY_VERSION = 6,
    FUNC_CACHE_MODE_CA = 7,
    FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8,
    FUNC_PREFERRED_SHARED_MEMORY_CARVEOUT = 9,
    FUNC_CLUSTER_SIZE_MUST_BE_SET = 10,
    FUNC_REQUIRED_CLUSTER_WIDTH = 11,
    FUNC_REQUIRED_CLUSTER_HEIGHT = 12,
    FUNC_REQUIRED_CLUSTER_DEPTH = 13,
    FUNC_NON_PORTABLE_CLUSTER_SIZE_ALLOWED = 14,
    FUNC_CLUSTER_SCHEDULING_POLICY_PREFERENCE = 15,
    FUNC_ATTRIBUTE_COUNT = 16
};

static cudaError_t resolve(const void *host_function, int *device, uint64_t *remote)
{
    stub_function *function = stub_find_function(host_function);
    if (function == NULL)
        return cudaErrorInvalidResourceHandle; /* what CUDA 13 answers for a non-kernel */
    cudaError_t error = stub_begin();
    if (error != cudaSuccess)
        return error;
    *device = stub_current_device();
    return stub_resolve_function(function, *device, remote);
}

STUB_API cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *attributes, const void *host_function)
{
    if (attributes == NULL)
        return stub_result(cudaErrorInvalidValue);
    int device = 0;
    uint64_t remote = 0;
    cudaError_t error = resolve(host_function, &device, &remote);
    if (error != cudaSuccess)
        return stub_result(error);
    int32_t numbers[FUNC_ATTRIBUTE_COUNT], values[FUNC_ATTRIBUTE_COUNT];
    for (int i = 0; i < FUNC_ATTRIBUTE_COUNT; i++)
        numbers[i] = i;
    error = (cudaError_t)stub_client.orion_function_get_attributes(device, remote, FUNC_ATTRIBUTE_COUNT, numbers,
                                                                   values);
    if (error != cudaSuccess)
        return stub_result(error);
    struct cudaFuncAttributes result = {0};
    result.sharedSizeBytes = (size_t)values[FUNC_SHARED_SIZE_BYTES];
    result.constSizeBytes = (size_t)values[FUNC_CONST_SIZE_BYTES];
    result.localSizeBytes = (size_t)values[FUNC_LOCAL_SIZE_BYTES];
    result.maxThreadsPerBlock = values[FUNC_MAX_THREADS_PER_BLOCK];
    result.numRegs = values[FUNC_NUM_REGS];
    result.ptxVersion = values[FUNC_PTX_VERSION];
    result.binaryVersion = values[FUNC_BINARY_VERSION];
    result.cacheModeCA = values[FUNC_CACHE_MODE_CA];
    result.maxDynamicSharedSizeBytes = values[FUNC_MAX_DYNAMIC_SHARED_SIZE_BYTES];
    result.preferredShmemCarveout = values[FUNC_PREFERRED_SHARED_MEMORY_CARVEOUT];
    result.clusterDimMustBeSet = values[FUNC_CLUSTER_SIZE_MUST_BE_SET];
    result.requiredClusterWidth = values[FUNC_REQUIRED_CLUSTER_WIDTH];
    result.requiredClusterHeight = values[FUNC_REQUIRED_CLUSTER_HEIGHT];
    result.requiredClusterDepth = values[FUNC_REQUIRED_CLUSTER_DEPTH];
    result.clusterSchedulingPolicyPreference = values[FUNC_CLUSTER_SCHEDULING_POLICY_PREFERENCE];
    result.nonPortableClusterSizeAllowed = values[FUNC_NON_PORTABLE_CLUSTER_SIZE_ALLOWED];
    *attributes = result;
    return cudaSuccess;
}

STUB_API cudaError_t cudaFuncSetAttribute(const void *host_function, enum cudaFuncAttribute attribute, int value)
{
    /* cudaFuncAttribute values are the driver's attribute numbers. */
    if ((int)attribute < cudaFuncAttributeMaxDynamicSharedMemorySize ||
        (int)attribute > cudaFuncAttributeClusterSchedulingPolicyPreference)
        return stub_result(cudaErrorInvalidValue);
    int device = 0;
    uint64_t remote = 0;
    cudaError_t error = resolve(host_function, &device, &remote);
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_function_set_attribute(device, remote, (int32_t)attribute, value);
    if (error == cudaSuccess && attribute == cudaFuncAttributeMaxDynamicSharedMemorySize) {
        /* The launch check asks the server again the next time it needs the limit. */
        stub_function *function = stub_find_function(host_function);
        __atomic_store_n(&function->dynamic_shared_limit[device], -1, __ATOMIC_RELAXED);
    }
    return stub_result(error);
}

STUB_API cudaError_t cudaFuncSetCacheConfig(const void *host_function, enum cudaFuncCache config)
{
    if ((int)config < cudaFuncCachePreferNone || (int)config > cudaFuncCachePreferEqual)
        return stub_result(cudaErrorInvalidValue);
    /* A preference the driver may ignore; checking the function is all that is observable. */
    int device = 0;
    uint64_t remote = 0;
    return stub_result(resolve(host_function, &device, &remote));
}

static cudaError_t max_active_blocks(int *blocks, const void *host_function, int block_size, size_t dynamic_bytes,
                                     unsigned int flags)
{
    if (blocks == NULL || block_size <= 0 || (flags & ~(unsigned int)cudaOccupancyDisableCachingOverride) != 0)
        return stub_result(cudaErrorInvalidValue);
    int device = 0;
    uint64_t remote = 0;
    cudaError_t error = resolve(host_function, &device, &remote);
    int32_t result = 0;
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_occupancy_max_active_blocks(device, remote, block_size, dynamic_bytes,
                                                                           flags, &result);
    if (error == cudaSuccess)
        *blocks = result;
    return stub_result(error);
}

STUB_API cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int *blocks, const void *host_function,
                                                                   int block_size, size_t dynamic_bytes)
{
    return max_active_blocks(blocks, host_function, block_size, dynamic_bytes, cudaOccupancyDefault);
}

STUB_API cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int *blocks, const void *host_function,
                                                                            int block_size, size_t dynamic_bytes,
                                                                            unsigned int flags)
{
    return max_active_blocks(blocks, host_function, block_size, dynamic_bytes, flags);
}

STUB_API struct cudaChannelFormatDesc cudaCreateChannelDesc(int x, int y, int z, int w,
                                                            enum cudaChannelFormatKind kind)
{
    /* Pure value construction; exported for completeness since it returns a struct by value. */
    struct cudaChannelFormatDesc desc = {x, y, z, w, kind};
    return desc;
}
