/*
 * Loading liborion_client.so for a front-end library (native/nvml_front_end; the driver front end does the same in
 * its own driver_client.c). The client library is found the way the driver front end finds it: ORION_CLIENT_LIB,
 * else beside the library that calls the loader, else the loader's search path. Every entry point of
 * orion_client.h is resolved, the client's ABI version is checked against the header's, and orion_initialize is
 * called, once per front-end library. The client library itself connects once per process (orion_initialize
 * answers its first outcome again), so front ends loaded together in one process that reach the same
 * liborion_client.so (the same file: glibc maps a file once whatever path names it) share one client and one
 * session per server.
 *
 * Build: compile orion_client_loader.c into the front end with -I for this folder, for orion_client.h
 * (native/cudart_stub) and for the generated stub_client_functions.h (native/cudart_stub/tools/gen_client_functions.sh).
 */
#ifndef ORION_CLIENT_LOADER_H
#define ORION_CLIENT_LOADER_H

#include <stdint.h>

#include "orion_client.h"

/* The client library's entry points. */
typedef struct orion_client_api {
#define STUB_CLIENT_FN(ret, name, params) ret(*name) params;
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN
} orion_client_api;

/* How the loader reports: level 1 an error the user must see, 4 a detail (a candidate path that did not load). */
enum { ORION_LOADER_ERROR = 1, ORION_LOADER_DEBUG = 4 };
typedef void (*orion_loader_log)(int level, const char *message);

/* Outcomes of orion_client_connect. */
enum orion_client_outcome {
    ORION_CLIENT_CONNECTED = 0,
    ORION_CLIENT_NO_LIBRARY,     /* liborion_client.so not found, or lacking an entry point */
    ORION_CLIENT_ABI_MISMATCH,   /* a client of another ABI version */
    ORION_CLIENT_NO_SERVER,      /* orion_initialize failed: no server, refused, bad ORION_SERVER (the client said why) */
};

/*
 * Loads, checks and initializes the client once (later calls return the first outcome, and api stays filled on
 * success). anchor is any function of the calling front end: its library's folder is searched second. log may be
 * NULL. *client_status receives orion_initialize's result when it ran (else 0).
 */
enum orion_client_outcome orion_client_connect(orion_client_api *api, void (*anchor)(void), orion_loader_log log,
                                               int32_t *client_status);

#endif
