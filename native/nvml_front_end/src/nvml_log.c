/* stderr logging with the level taken from ORION_LOG_LEVEL (none|error|warn|info|debug), as the driver front end logs. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "nvml_internal.h"

static pthread_once_t level_once = PTHREAD_ONCE_INIT;
static enum nvml_log_level configured = NVML_LOG_WARN;

static void read_level(void)
{
    static const struct {
        const char *name;
        enum nvml_log_level level;
    } names[] = {{"none", NVML_LOG_NONE}, {"off", NVML_LOG_NONE},         {"error", NVML_LOG_ERROR},
                 {"warn", NVML_LOG_WARN}, {"warning", NVML_LOG_WARN},     {"info", NVML_LOG_INFO},
                 {"debug", NVML_LOG_DEBUG}, {"trace", NVML_LOG_DEBUG}};
    const char *value = getenv("ORION_LOG_LEVEL");
    if (value == NULL || *value == '\0')
        return;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(value, names[i].name) == 0) {
            configured = names[i].level;
            return;
        }
}

void nvml_log(enum nvml_log_level level, const char *format, ...)
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

nvmlReturn_t nvml_not_supported(const char *name, int *logged)
{
    if (!__atomic_exchange_n(logged, 1, __ATOMIC_RELAXED))
        nvml_log(NVML_LOG_WARN, "%s is not supported by Orion's NVML", name);
    return NVML_ERROR_NOT_SUPPORTED;
}
