/* stderr logging with the level taken from ORION_LOG_LEVEL, shared by the driver and NVML front ends. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "orion_log.h"

static pthread_once_t level_once = PTHREAD_ONCE_INIT;
static enum orion_log_level configured = ORION_LOG_WARN;

static void read_level(void)
{
    static const struct {
        const char *name;
        enum orion_log_level level;
    } names[] = {{"none", ORION_LOG_NONE}, {"off", ORION_LOG_NONE},       {"error", ORION_LOG_ERROR},
                 {"warn", ORION_LOG_WARN}, {"warning", ORION_LOG_WARN},   {"info", ORION_LOG_INFO},
                 {"debug", ORION_LOG_DEBUG}, {"trace", ORION_LOG_DEBUG}};
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

void orion_log_v(enum orion_log_level level, const char *format, va_list arguments)
{
    pthread_once(&level_once, read_level);
    if (level > configured)
        return;
    char line[600];
    int prefix = snprintf(line, sizeof line, "orion: ");
    vsnprintf(line + prefix, sizeof line - (size_t)prefix - 1, format, arguments);
    /* One write per line, so that lines of concurrent threads do not interleave. */
    fprintf(stderr, "%s\n", line);
}
