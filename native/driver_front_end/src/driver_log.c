/* The driver front end's log (native/client_common/orion_log.c: stderr, the level from ORION_LOG_LEVEL), its
 * refusal of what it does not support, and the client's status codes as the driver's. */
#include <stdarg.h>

#include "driver_internal.h"
#include "orion_log.h"

_Static_assert((int)DRIVER_LOG_DEBUG == (int)ORION_LOG_DEBUG && (int)DRIVER_LOG_NONE == (int)ORION_LOG_NONE,
               "the driver front end's log levels are the common log's");

void driver_log(enum driver_log_level level, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    orion_log_v((enum orion_log_level)level, format, arguments);
    va_end(arguments);
}

CUresult driver_not_supported(const char *name, int *logged)
{
    if (!__atomic_exchange_n(logged, 1, __ATOMIC_RELAXED))
        driver_log(DRIVER_LOG_WARN, "%s is not supported by Orion's driver (CUDA_ERROR_NOT_SUPPORTED)", name);
    return CUDA_ERROR_NOT_SUPPORTED;
}

CUresult driver_result(int32_t status)
{
    /* The runtime's numbers were aligned with the driver's; the few the client library makes up
     * for runtime-only conditions (bad configuration, pitch, direction, symbol) are bad values
     * to the driver. */
    switch (status) {
    case 9:  /* cudaErrorInvalidConfiguration */
    case 12: /* cudaErrorInvalidPitchValue */
    case 13: /* cudaErrorInvalidSymbol */
    case 17: /* cudaErrorInvalidDevicePointer */
    case 21: /* cudaErrorInvalidMemcpyDirection */
        return CUDA_ERROR_INVALID_VALUE;
    case 98: /* cudaErrorInvalidDeviceFunction */
        return CUDA_ERROR_INVALID_HANDLE;
    default:
        return status;
    }
}
