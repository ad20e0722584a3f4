/* stderr logging with the level taken from ORION_LOG_LEVEL (none|error|warn|info|debug). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "driver_internal.h"

static pthread_once_t level_once = PTHREAD_ONCE_INIT;
static enum driver_log_level configured = DRIVER_LOG_WARN;

static void read_level(void)
{
    static const struct {
        const char *name;
        enum driver_log_level level;
    } names[] = {{"none", DRIVER_LOG_NONE}, {"off", DRIVER_LOG_NONE},       {"error", DRIVER_LOG_ERROR},
                 {"warn", DRIVER_LOG_WARN}, {"warning", DRIVER_LOG_WARN},   {"info", DRIVER_LOG_INFO},
                 {"debug", DRIVER_LOG_DEBUG}, {"trace", DRIVER_LOG_DEBUG}};
    const char *value = getenv("ORION_LOG_LEVEL");
    if (value == NULL || *value == '\0')
        return;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(value, names[i].name) == 0) {
            configured = names[i].level;
            return;
        }
    fprintf(stderr, "orion: ORION_LOG_LEVEL=%s is not one of none, error, warn, info, debug; using warn\n", value);
}

void driver_log(enum driver_log_level level, const char *format, ...)
{
    pthread_once(&level_once, read_level);
    if (level > configured)
        return;
    char line[600];
    int prefix = snprintf(line, sizeof line, "orion: ");
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line + prefix, sizeof line - (size_t)prefix - 1, format, arguments);
    va_end(arguments);
    /* One write per line, so that lines of concurrent threads do not interleave. */
    fprintf(stderr, "%s\n", line);
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
