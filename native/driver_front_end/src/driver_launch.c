/* Kernel launches: cuLaunchKernel (argument pointers or one packed buffer) and cuLaunchKernelEx. */
#include "driver_handles.h"

#define LAUNCH_ATTRIBUTE_IGNORE 0 /* CU_LAUNCH_ATTRIBUTE_IGNORE */

static CUresult launch(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                       unsigned int by, unsigned int bz, unsigned int shared, CUstream stream, int per_thread,
                       void **parameters, void **extra)
{
    int device;
    uint64_t stream_handle, function_handle;
    CUresult result = driver_begin();
    if (result == CUDA_SUCCESS)
        result = driver_resolve_stream(stream, per_thread, &device, &stream_handle);
    if (result == CUDA_SUCCESS)
        result = driver_resolve_function(function, device, &function_handle);
    if (result != CUDA_SUCCESS)
        return result;
    if (extra == NULL)
        return driver_result(driver_client.orion_launch_kernel(device, function_handle, gx, gy, gz, bx, by, bz, shared,
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
    if (buffer == NULL || size == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return driver_result(driver_client.orion_launch_kernel_packed(device, function_handle, gx, gy, gz, bx, by, bz, shared,
                                                                  stream_handle, buffer, *size));
}

DRIVER_API CUresult cuLaunchKernel(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz,
                                   unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                                   CUstream stream, void **parameters, void **extra)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 0, parameters, extra);
}

DRIVER_API CUresult cuLaunchKernel_ptsz(CUfunction function, unsigned int gx, unsigned int gy, unsigned int gz,
                                        unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                                        CUstream stream, void **parameters, void **extra)
{
    return launch(function, gx, gy, gz, bx, by, bz, shared, stream, 1, parameters, extra);
}

static CUresult launch_ex(const CUlaunchConfig *config, CUfunction function, void **parameters, void **extra,
                          int per_thread)
{
    if (config == NULL || (config->numAttrs > 0 && config->attrs == NULL))
        return CUDA_ERROR_INVALID_VALUE;
    /* Attributes (cluster shape, cooperative, priority, programmatic serialization...) change
     * how the launch runs; none is forwarded yet, so a launch that asks for one is refused. */
    for (unsigned int i = 0; i < config->numAttrs; i++)
        if (config->attrs[i].id != LAUNCH_ATTRIBUTE_IGNORE)
            DRIVER_NOT_SUPPORTED("cuLaunchKernelEx with launch attributes");
    return launch(function, config->gridDimX, config->gridDimY, config->gridDimZ, config->blockDimX, config->blockDimY,
                  config->blockDimZ, config->sharedMemBytes, config->hStream, per_thread, parameters, extra);
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
