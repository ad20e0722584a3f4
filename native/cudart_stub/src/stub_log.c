/* stderr logging with the level taken from ORION_LOG_LEVEL (none|error|warn|info|debug). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stub_internal.h"

static pthread_once_t level_once = PTHREAD_ONCE_INIT;
static enum stub_log_level configured_level = STUB_LOG_WARN;

static void read_level(void)
{
    const char *value = getenv("ORION_LOG_LEVEL");
    if (value == NULL || *value == '\0')
        return;
    static const struct {
        const char *name;
        enum stub_log_level level;
    } names[] = {{"none", STUB_LOG_NONE},   {"off", STUB_LOG_NONE},        {"error", STUB_LOG_ERROR},
                 {"warn", STUB_LOG_WARN},   {"warning", STUB_LOG_WARN},    {"info", STUB_LOG_INFO},
                 {"debug", STUB_LOG_DEBUG}, {"trace", STUB_LOG_DEBUG}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(value, names[i].name) == 0) {
            configured_level = names[i].level;
            return;
        }
    }
    fprintf(stderr, "orion: ORION_LOG_LEVEL=%s is not one of none, error, warn, info, debug; using warn\n", value);
}

void stub_log(enum stub_log_level level, const char *format, ...)
{
    pthread_once(&level_once, read_level);
    if (level > configured_level)
        return;
    char line[512];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line, sizeof line, format, arguments);
    va_end(arguments);
    /* One fputs per line so that lines of concurrent threads do not interleave. */
    char prefixed[560];
    snprintf(prefixed, sizeof prefixed, "orion: %s\n", line);
    fputs(prefixed, stderr);
}
