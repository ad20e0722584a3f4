/*
 * Kernel launch: the <<<...>>> configuration stack, the CUDA 13 __cudaGetKernel +
 * __cudaLaunchKernel path nvcc emits, and the public cudaLaunchKernel(ExC) entry points.
 * Launches are asynchronous: the client appends them to its batch and returns.
 */
#include <stddef.h>

#include "stub_internal.h"

/* <<<>>> configurations nest only when a launch argument itself launches; 8 levels is plenty. */
#define CONFIGURATION_DEPTH 8

typedef struct call_configuration {
    dim3 grid;
    dim3 block;
    size_t shared_bytes;
    cudaStream_t stream;
} call_configuration;

static _Thread_local call_configuration configuration_stack[CONFIGURATION_DEPTH];
static _Thread_local int configuration_depth;

STUB_API unsigned __cudaPushCallConfiguration(dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream)
{
    if (configuration_depth >= CONFIGURATION_DEPTH) {
        stub_result(cudaErrorInvalidConfiguration);
        return 1; /* non-zero: the generated code skips the launch */
    }
    call_configuration *slot = &configuration_stack[configuration_depth++];
    slot->grid = grid;
    slot->block = block;
    slot->shared_bytes = shared_bytes;
    slot->stream = stream;
    return 0;
}

STUB_API cudaError_t __cudaPopCallConfiguration(dim3 *grid, dim3 *block, size_t *shared_bytes, void *stream)
{
    if (configuration_depth <= 0)
        return stub_result(cudaErrorMissingConfiguration);
    const call_configuration *slot = &configuration_stack[--configuration_depth];
    *grid = slot->grid;
    *block = slot->block;
    *shared_bytes = slot->shared_bytes;
    *(cudaStream_t *)stream = slot->stream;
    return cudaSuccess;
}

static int configuration_is_valid(dim3 grid, dim3 block)
{
    /* Only what can never be valid; the server's driver checks the device's real limits. */
    return grid.x != 0 && grid.y != 0 && grid.z != 0 && block.x != 0 && block.y != 0 && block.z != 0;
}

/* Driver CUfunction_attribute number of the dynamic shared memory limit. */
#define FUNCTION_ATTRIBUTE_MAX_DYNAMIC_SHARED 8

/*
 * CUDA rejects a configuration beyond the device's limits when the launch is made, not at the
 * next synchronization (and the error is not sticky). Launches travel asynchronously, so the
 * stub checks the limits here, from the cached device attributes, to answer the same way.
 */
static cudaError_t check_limits(stub_function *function, int device, uint64_t remote, dim3 grid, dim3 block,
                                size_t shared_bytes)
{
    static const enum cudaDeviceAttr limits[] = {cudaDevAttrMaxBlockDimX,   cudaDevAttrMaxBlockDimY,
                                                 cudaDevAttrMaxBlockDimZ,   cudaDevAttrMaxGridDimX,
                                                 cudaDevAttrMaxGridDimY,    cudaDevAttrMaxGridDimZ,
                                                 cudaDevAttrMaxThreadsPerBlock, cudaDevAttrMaxSharedMemoryPerBlock};
    int value[8];
    for (int i = 0; i < 8; i++) {
        cudaError_t error = stub_device_attribute(device, limits[i], &value[i]);
        if (error != cudaSuccess)
            return error;
    }
    const unsigned int asked[6] = {block.x, block.y, block.z, grid.x, grid.y, grid.z};
    for (int i = 0; i < 6; i++)
        if (value[i] > 0 && asked[i] > (unsigned int)value[i])
            return cudaErrorInvalidValue;
    if (value[6] > 0 && (uint64_t)block.x * block.y * block.z > (uint64_t)value[6])
        return cudaErrorInvalidValue;
    if (value[7] > 0 && shared_bytes > (size_t)value[7]) {
        /* Beyond the default: allowed only up to what cudaFuncSetAttribute opted in to. */
        int limit = __atomic_load_n(&function->dynamic_shared_limit[device], __ATOMIC_RELAXED);
        if (limit < 0) {
            int32_t number = FUNCTION_ATTRIBUTE_MAX_DYNAMIC_SHARED, answer = 0;
            cudaError_t error = (cudaError_t)stub_client.orion_function_get_attributes(device, remote, 1, &number,
                                                                                       &answer);
            if (error != cudaSuccess)
                return error;
            limit = answer;
            __atomic_store_n(&function->dynamic_shared_limit[device], limit, __ATOMIC_RELAXED);
        }
        if (shared_bytes > (size_t)limit)
            return cudaErrorInvalidValue;
    }
    return cudaSuccess;
}

static cudaError_t launch(stub_function *function, dim3 grid, dim3 block, void **args, size_t shared_bytes,
                          cudaStream_t stream)
{
    /* CUDA 13 answers a pointer that is not a registered kernel with an invalid handle. */
    if (function == NULL || function->magic != STUB_FUNCTION_MAGIC)
        return stub_result(cudaErrorInvalidResourceHandle);
    cudaError_t error = stub_begin();
    if (error != cudaSuccess)
        return stub_result(error);
    /* CUDA 13 reports impossible configurations as cudaErrorInvalidValue (observed). */
    if (!configuration_is_valid(grid, block) || shared_bytes > UINT32_MAX)
        return stub_result(cudaErrorInvalidValue);
    int device = stub_current_device();
    uint64_t remote = 0;
    error = stub_resolve_function(function, device, &remote);
    if (error == cudaSuccess)
        error = check_limits(function, device, remote, grid, block, shared_bytes);
    if (error != cudaSuccess)
        return stub_result(error);
    error = (cudaError_t)stub_client.orion_launch_kernel(device, remote, grid.x, grid.y, grid.z, block.x, block.y,
                                                         block.z, (uint32_t)shared_bytes,
                                                         stub_stream_handle(stream), args);
    return stub_result(error);
}

STUB_API cudaError_t __cudaGetKernel(cudaKernel_t *kernel, const void *host_function)
{
    if (kernel == NULL)
        return stub_result(cudaErrorInvalidValue);
    stub_function *function = stub_find_function(host_function);
    *kernel = (cudaKernel_t)function;
    return function != NULL ? cudaSuccess : stub_result(cudaErrorInvalidDeviceFunction);
}

STUB_API cudaError_t cudaGetKernel(cudaKernel_t *kernel, const void *host_function)
{
    return __cudaGetKernel(kernel, host_function);
}

STUB_API cudaError_t __cudaLaunchKernel(cudaKernel_t kernel, dim3 grid, dim3 block, void **args, size_t shared_bytes,
                                        cudaStream_t stream)
{
    return launch((stub_function *)kernel, grid, block, args, shared_bytes, stream);
}

STUB_API cudaError_t __cudaLaunchKernel_ptsz(cudaKernel_t kernel, dim3 grid, dim3 block, void **args,
                                             size_t shared_bytes, cudaStream_t stream)
{
    return launch((stub_function *)kernel, grid, block, args, shared_bytes,
                  stream == NULL ? cudaStreamPerThread : stream);
}

STUB_API cudaError_t cudaLaunchKernel(const void *host_function, dim3 grid, dim3 block, void **args,
                                      size_t shared_bytes, cudaStream_t stream)
{
    return launch(stub_find_function(host_function), grid, block, args, shared_bytes, stream);
}

STUB_API cudaError_t cudaLaunchKernel_ptsz(const void *host_function, dim3 grid, dim3 block, void **args,
                                           size_t shared_bytes, cudaStream_t stream)
{
    return launch(stub_find_function(host_function), grid, block, args, shared_bytes,
                  stream == NULL ? cudaStreamPerThread : stream);
}

static cudaError_t launch_extended(const cudaLaunchConfig_t *config, const void *host_function, void **args,
                                   cudaStream_t default_stream)
{
    static int logged_cluster, logged_cooperative, logged_other_attribute;
    if (config == NULL || (config->numAttrs > 0 && config->attrs == NULL))
        return stub_result(cudaErrorInvalidValue);
    for (unsigned int i = 0; i < config->numAttrs; i++) {
        const cudaLaunchAttribute *attribute = &config->attrs[i];
        switch (attribute->id) {
        case cudaLaunchAttributeIgnore:
            break;
        case cudaLaunchAttributeClusterDimension:
            /* A 1x1x1 cluster is the same as no cluster. */
            if (attribute->val.clusterDim.x <= 1 && attribute->val.clusterDim.y <= 1 &&
                attribute->val.clusterDim.z <= 1)
                break;
            return stub_not_supported("cudaLaunchKernelExC with a thread block cluster", &logged_cluster);
        case cudaLaunchAttributeCooperative:
            if (attribute->val.cooperative == 0)
                break;
            return stub_not_supported("cudaLaunchKernelExC with a cooperative launch", &logged_cooperative);
        default:
            /* Which attribute it was matters for a user reading the log, so this one says it at
               debug level on every call; the warning comes once. */
            stub_log(STUB_LOG_DEBUG, "cudaLaunchKernelExC: launch attribute %d", (int)attribute->id);
            return stub_not_supported("cudaLaunchKernelExC with a launch attribute other than cluster or cooperative",
                                      &logged_other_attribute);
        }
    }
    cudaStream_t stream = config->stream == NULL ? default_stream : config->stream;
    return launch(stub_find_function(host_function), config->gridDim, config->blockDim, args,
                  config->dynamicSmemBytes, stream);
}

STUB_API cudaError_t cudaLaunchKernelExC(const cudaLaunchConfig_t *config, const void *host_function, void **args)
{
    return launch_extended(config, host_function, args, NULL);
}

STUB_API cudaError_t cudaLaunchKernelExC_ptsz(const cudaLaunchConfig_t *config, const void *host_function,
                                              void **args)
{
    return launch_extended(config, host_function, args, cudaStreamPerThread);
}
