/* The NVML front end's log (native/client_common/orion_log.c: stderr, the level from ORION_LOG_LEVEL), as the
 * driver front end logs, and its refusal of what it does not support. */
#include <stdarg.h>

#include "nvml_internal.h"
#include "orion_log.h"

_Static_assert((int)NVML_LOG_DEBUG == (int)ORION_LOG_DEBUG && (int)NVML_LOG_NONE == (int)ORION_LOG_NONE,
               "the NVML front end's log levels are the common log's");

void nvml_log(enum nvml_log_level level, const char *format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    orion_log_v((enum orion_log_level)level, format, arguments);
    va_end(arguments);
}

nvmlReturn_t nvml_not_supported(const char *name, int *logged)
{
    if (!__atomic_exchange_n(logged, 1, __ATOMIC_RELAXED))
        nvml_log(NVML_LOG_WARN, "%s is not supported by Orion's NVML", name);
    return NVML_ERROR_NOT_SUPPORTED;
}
