#ifndef ORION_LOG_H
#define ORION_LOG_H
#include <stdarg.h>

/* Messages of Orion's front ends on stderr, one "orion: " line each, at or above the level ORION_LOG_LEVEL names
 * (none, error, warn, info, debug; default warn). Each front end keeps its own names for the levels, in this order. */
enum orion_log_level { ORION_LOG_NONE, ORION_LOG_ERROR, ORION_LOG_WARN, ORION_LOG_INFO, ORION_LOG_DEBUG };

void orion_log_v(enum orion_log_level level, const char *format, va_list arguments) __attribute__((format(printf, 2, 0)));
#endif
