/* Kernel launches: cuLaunchKernel (argument pointers or one packed buffer), cuLaunchKernelEx and
 * cuLaunchCooperativeKernel (or the cooperative launch attribute). */
#include <string.h>

#include "driver_handles.h"

/*
 * What NVIDIA's driver refuses at launch time, refused here before anything is queued: a
 * launch is asynchronous through Orion, and an error the server found would otherwise surface
 * at some later call instead of this one. Device limits are the remote device's attributes
 * (cached by the client); the shared memory limit is the function's.
 */
static CUresult check_launch(int device, struct driver_function *function, const unsigned int grid[3],
                             const unsigned int block[3], unsigned int shared)
{
    static const int block_limits[3] = {2, 3, 4}, grid_limits[3] = {5, 6, 7}; /* MAX_BLOCK_DIM_X.., MAX_GRID_DIM_X.. */
    int limit = 0;
    uint64_t threads = 1;
    for (int i = 0; i < 3; i++) {
        if (grid[i] == 0 || block[i] == 0)
            return CUDA_ERROR_INVALID_VALUE;
        CUresult result = driver_device_attribute(device, block_limits[i], &limit);
        if (result == CUDA_SUCCESS && block[i] > (unsigned int)limit)
            result = CUDA_ERROR_INVALID_VALUE;
        if (result == CUDA_SUCCESS)
            result = driver_device_attribute(device, grid_limits[i], &limit);
        if (result == CUDA_SUCCESS && grid[i] > (unsigned int)limit)
            result = CUDA_ERROR_INVALID_VALUE;
        if (result != CUDA_SUCCESS)
            return result;
        threads *= block[i];
    }
    CUresult result = driver_device_attribute(device, 1 /* MAX_THREADS_PER_BLOCK */, &limit);
    if (result == CUDA_SUCCESS && threads > (uint64_t)limit)
        result = CUDA_ERROR_INVALID_VALUE;
    if (result == CUDA_SUCCESS && shared > 0) {
        result = driver_function_shared_limit(function, &limit);
        if (result == CUDA_SUCCESS && shared > (unsigned int)limit)
            result = CUDA_ERROR_INVALID_VALUE;
    }
    return result;
}

/*
 * cooperative: every block resident at once (cuLaunchCooperativeKernel). Whether the grid fits is the
 * server's driver's to say: CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE comes back, as any failure of an
 * asynchronous launch, from the next synchronizing call.
 */
static CUresult launch(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                       unsigned int by, unsigned int bz, unsigned int shared, CUstream stream, int per_thread,
                       void **parameters, void **extra, int cooperative)
{
    int device;
    uint64_t stream_handle;
    struct driver_function *record;
    CUresult result = driver_stream_target(stream, per_thread, &device, &stream_handle);
    if (result == CUDA_SUCCESS)
        result = driver_resolve_function(function, device, &record);
    const unsigned int grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
    if (result == CUDA_SUCCESS)
        result = check_launch(device, record, grid, block, shared);
    if (result != CUDA_SUCCESS)
        return result;
    uint64_t function_handle = record->remote;
    if (extra == NULL)
        return driver_result(
            cooperative ? driver_client.orion_launch_cooperative_kernel(device, function_handle, gx, gy, gz, bx, by, bz,
                                                                        shared, stream_handle, parameters)
                        : driver_client.orion_launch_kernel(device, function_handle, gx, gy, gz, bx, by, bz, shared,
                                                            stream_handle, parameters));
    if (parameters != NULL)
        return CUDA_ERROR_INVALID_VALUE;
    /* extra: pairs of (CU_LAUNCH_PARAM_BUFFER_POINTER, buffer), (CU_LAUNCH_PARAM_BUFFER_SIZE, &size), END. */
    const void *buffer = NULL;
    const size_t *size = NULL;
    for (int i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
        if (i >= 64)
            return CUDA_ERROR_INVALID_VALUE;
        if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER)
            buffer = extra[i + 1];
        else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE)
            size = extra[i + 1];
        else
            return CUDA_ERROR_INVALID_VALUE;
    }
    if (buffer == NULL && size == NULL) /* {END} alone: a kernel without parameters */
        return driver_result(
            cooperative ? driver_client.orion_launch_cooperative_kernel(device, function_handle, gx, gy, gz, bx, by, bz,
                                                                        shared, stream_handle, NULL)
                        : driver_client.orion_launch_kernel(device, function_handle, gx, gy, gz, bx, by, bz, shared,
                                                            stream_handle, NULL));
    if (buffer == NULL || size == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return driver_result(
        cooperative ? driver_client.orion_launch_cooperative_kernel_packed(device, function_handle, gx, gy, gz, bx, by,
                                                                           bz, shared, stream_handle, buffer, *size)
                    : driver_client.orion_launch_kernel_packed(device, function_handle, gx, gy, gz, bx, by, bz, shared,
                                                               stream_handle, buffer, *size));
}

DRIVER_API CUresult cuLaunchKernel(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz,
                                   unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                                   CUstream stream, void **parameters, void **extra)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 0, parameters, extra, 0);
}

DRIVER_API CUresult cuLaunchKernel_ptsz(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz,
                                        unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                                        CUstream stream, void **parameters, void **extra)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 1, parameters, extra, 0);
}

static CUresult launch_ex(const CUlaunchConfig *config, CUfunction function, void **parameters, void **extra,
                          int per_thread)
{
    if (config == NULL || (config->numAttrs > 0 && config->attrs == NULL))
        return CUDA_ERROR_INVALID_VALUE;
    /* Attributes (cluster shape, cooperative, priority, programmatic serialization...) change
     * how the launch runs. A cooperative launch is forwarded; any other attribute is refused,
     * except those that ask for what a plain launch does (a 1x1x1 cluster). */
    int cooperative = 0;
    for (unsigned int i = 0; i < config->numAttrs; i++) {
        const CUlaunchAttribute *attribute = &config->attrs[i];
        unsigned int value[3];
        memcpy(value, attribute->value.pad, sizeof value);
        if (attribute->id == CU_LAUNCH_ATTRIBUTE_COOPERATIVE && value[0] != 0) {
            cooperative = 1; /* value.cooperative, an int, at the union's start */
            continue;
        }
        int plain = attribute->id == CU_LAUNCH_ATTRIBUTE_IGNORE ||
                    (attribute->id == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION && value[0] == 1 && value[1] == 1 && value[2] == 1) ||
                    ((attribute->id == CU_LAUNCH_ATTRIBUTE_COOPERATIVE ||
                      attribute->id == CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION) && value[0] == 0);
        if (plain)
            continue;
        DRIVER_NOT_SUPPORTED("cuLaunchKernelEx with launch attributes");
    }
    return launch(function, config->gridDimX, config->gridDimY, config->gridDimZ, config->blockDimX, config->blockDimY,
                  config->blockDimZ, config->sharedMemBytes, config->hStream, per_thread, parameters, extra, cooperative);
}

DRIVER_API CUresult cuLaunchKernelEx(const CUlaunchConfig *config, CUfunction function, void **parameters, void **extra)
{
    return launch_ex(config, function, parameters, extra, 0);
}

DRIVER_API CUresult cuLaunchKernelEx_ptsz(const CUlaunchConfig *config, CUfunction function, void **parameters,
                                          void **extra)
{
    return launch_ex(config, function, parameters, extra, 1);
}

/* The real cuLaunchCooperativeKernel takes argument pointers only (no extra buffer). */
DRIVER_API CUresult cuLaunchCooperativeKernel(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz,
                                              unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                                              CUstream stream, void **parameters)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 0, parameters, NULL, 1);
}

DRIVER_API CUresult cuLaunchCooperativeKernel_ptsz(CUfunction function, unsigned int gx, unsigned int gy,
                                                   unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz,
                                                   unsigned int shared, CUstream stream, void **parameters)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 1, parameters, NULL, 1);
}
