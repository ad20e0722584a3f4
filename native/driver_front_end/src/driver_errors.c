/* cuGetErrorName and cuGetErrorString, answering as NVIDIA's driver 580 does. */
#include <stddef.h>

#include "driver_internal.h"

struct driver_error {
    int code;
    const char *name;
    const char *text;
};

#include "driver_error_table.h"

static const struct driver_error *find(CUresult code)
{
    for (size_t i = 0; i < sizeof driver_errors / sizeof driver_errors[0]; i++)
        if (driver_errors[i].code == code)
            return &driver_errors[i];
    return NULL;
}

DRIVER_API CUresult cuGetErrorName(CUresult code, const char **name)
{
    const struct driver_error *error = find(code);
    if (name == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    *name = error != NULL ? error->name : NULL;
    return error != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

DRIVER_API CUresult cuGetErrorString(CUresult code, const char **text)
{
    const struct driver_error *error = find(code);
    if (text == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    *text = error != NULL ? error->text : NULL;
    return error != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
