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
 * How a launch runs (cuLaunchKernelEx's attributes Orion carries, wire call 52): a thread-block cluster
 * shape (all 0 for none), its scheduling preference, and the LaunchAttributeSwitches bits. A launch with
 * no attribute goes as a plain one, one that is only cooperative as cuLaunchCooperativeKernel.
 */
struct launch_attributes {
    unsigned int cluster[3];
    unsigned int cluster_policy;
    uint32_t flags;
    int32_t priority;
};

enum { LAUNCH_COOPERATIVE = 1, LAUNCH_PROGRAMMATIC_SERIALIZATION = 2, LAUNCH_PRIORITY = 4 };

static const struct launch_attributes no_attributes, cooperative_only = {.flags = LAUNCH_COOPERATIVE};

/* Hands the launch to the client: argument pointers (args) or a packed buffer (buffer, size). */
static CUresult forward(int device, uint64_t function, const unsigned int grid[3], const unsigned int block[3],
                        unsigned int shared, uint64_t stream, const struct launch_attributes *how, void **args,
                        const void *buffer, size_t size)
{
    CUresult mapped = driver_mapped_before_device_work(device, stream);
    if (mapped != CUDA_SUCCESS)
        return mapped;
    int plain = how->flags == 0 && how->cluster[0] == 0 && how->cluster_policy == 0;
    int cooperative = how->flags == LAUNCH_COOPERATIVE && how->cluster[0] == 0 && how->cluster_policy == 0;
    int32_t status;
    if (plain)
        status = buffer == NULL
                     ? driver_client.orion_launch_kernel(device, function, grid[0], grid[1], grid[2], block[0], block[1],
                                                         block[2], shared, stream, args)
                     : driver_client.orion_launch_kernel_packed(device, function, grid[0], grid[1], grid[2], block[0],
                                                                block[1], block[2], shared, stream, buffer, size);
    else if (cooperative)
        status = buffer == NULL ? driver_client.orion_launch_cooperative_kernel(device, function, grid[0], grid[1],
                                                                                 grid[2], block[0], block[1], block[2],
                                                                                 shared, stream, args)
                                : driver_client.orion_launch_cooperative_kernel_packed(
                                      device, function, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared,
                                      stream, buffer, size);
    else
        status = buffer == NULL
                     ? driver_client.orion_launch_kernel_ex(device, function, grid[0], grid[1], grid[2], block[0],
                                                            block[1], block[2], shared, stream, how->cluster[0],
                                                            how->cluster[1], how->cluster[2], how->cluster_policy,
                                                            how->flags, how->priority, args)
                     : driver_client.orion_launch_kernel_ex_packed(
                           device, function, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared, stream,
                           how->cluster[0], how->cluster[1], how->cluster[2], how->cluster_policy, how->flags,
                           how->priority, buffer, size);
    return driver_result(status);
}

/*
 * Whether a cooperative grid fits, or a cluster shape divides the grid, is the server's driver's to
 * say: CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE or the cluster error comes back, as any failure of an
 * asynchronous launch, from the next synchronizing call.
 */
static CUresult launch(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                       unsigned int by, unsigned int bz, unsigned int shared, CUstream stream, int per_thread,
                       void **parameters, void **extra, const struct launch_attributes *how)
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
        return forward(device, function_handle, grid, block, shared, stream_handle, how, parameters, NULL, 0);
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
        return forward(device, function_handle, grid, block, shared, stream_handle, how, NULL, NULL, 0);
    if (buffer == NULL || size == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return forward(device, function_handle, grid, block, shared, stream_handle, how, NULL, buffer, *size);
}

DRIVER_API CUresult cuLaunchKernel(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz,
                                   unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                                   CUstream stream, void **parameters, void **extra)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 0, parameters, extra, &no_attributes);
}

DRIVER_API CUresult cuLaunchKernel_ptsz(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz,
                                        unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                                        CUstream stream, void **parameters, void **extra)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 1, parameters, extra, &no_attributes);
}

/* An attribute Orion does not carry (those naming events or pointers: programmatic and completion events,
 * updatable graph nodes; and any newer one) refuses the launch, logged once per attribute id. */
static CUresult unsupported_attribute(int id)
{
    static int logged[64];
    int *flag = &logged[id >= 0 && id < 64 ? id : 63];
    if (!__atomic_exchange_n(flag, 1, __ATOMIC_RELAXED))
        driver_log(DRIVER_LOG_WARN, "cuLaunchKernelEx with launch attribute %d is not supported by Orion's driver "
                                    "(CUDA_ERROR_NOT_SUPPORTED)", id);
    return CUDA_ERROR_NOT_SUPPORTED;
}

static CUresult launch_ex(const CUlaunchConfig *config, CUfunction function, void **parameters, void **extra,
                          int per_thread)
{
    if (config == NULL || (config->numAttrs > 0 && config->attrs == NULL))
        return CUDA_ERROR_INVALID_VALUE;
    struct launch_attributes how = no_attributes;
    for (unsigned int i = 0; i < config->numAttrs; i++) {
        const CUlaunchAttribute *attribute = &config->attrs[i];
        unsigned int value[3];
        int32_t number; /* the int-valued attributes' value, at the union's start */
        memcpy(value, attribute->value.pad, sizeof value);
        memcpy(&number, attribute->value.pad, sizeof number);
        switch (attribute->id) {
        case CU_LAUNCH_ATTRIBUTE_IGNORE:
            break;
        case CU_LAUNCH_ATTRIBUTE_COOPERATIVE:
            how.flags = number ? how.flags | LAUNCH_COOPERATIVE : how.flags & ~(uint32_t)LAUNCH_COOPERATIVE;
            break;
        case CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION:
            if (value[0] == 0 || value[1] == 0 || value[2] == 0)
                return CUDA_ERROR_INVALID_VALUE;
            /* A 1x1x1 cluster runs as no cluster at all. */
            memcpy(how.cluster, value[0] * value[1] * value[2] == 1 ? (unsigned int[3]){0, 0, 0} : value, sizeof value);
            break;
        case CU_LAUNCH_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE:
            if (value[0] > 2)
                return CUDA_ERROR_INVALID_VALUE;
            how.cluster_policy = value[0];
            break;
        case CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION:
            how.flags = number ? how.flags | LAUNCH_PROGRAMMATIC_SERIALIZATION
                               : how.flags & ~(uint32_t)LAUNCH_PROGRAMMATIC_SERIALIZATION;
            break;
        case CU_LAUNCH_ATTRIBUTE_PRIORITY:
            how.flags |= LAUNCH_PRIORITY;
            how.priority = number;
            break;
        default:
            return unsupported_attribute(attribute->id);
        }
    }
    return launch(function, config->gridDimX, config->gridDimY, config->gridDimZ, config->blockDimX, config->blockDimY,
                  config->blockDimZ, config->sharedMemBytes, config->hStream, per_thread, parameters, extra, &how);
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
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 0, parameters, NULL, &cooperative_only);
}

DRIVER_API CUresult cuLaunchCooperativeKernel_ptsz(CUfunction function, unsigned int gx, unsigned int gy,
                                                   unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz,
                                                   unsigned int shared, CUstream stream, void **parameters)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 1, parameters, NULL, &cooperative_only);
}
