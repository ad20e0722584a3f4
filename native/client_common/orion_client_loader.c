/* Finds, checks and initializes liborion_client.so for a front-end library (orion_client_loader.h). */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orion_client_loader.h"

#define CLIENT_LIBRARY "liborion_client.so"

#define STUB_CLIENT_FN(ret, name, params)                                                                          \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), ret(*) params),                                \
                   #name " in the generated stub_client_functions.h does not match orion_client.h");
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN

static pthread_mutex_t connect_lock = PTHREAD_MUTEX_INITIALIZER;
static int attempted;
static enum orion_client_outcome outcome = ORION_CLIENT_NO_LIBRARY;
static int32_t initialize_status;
static orion_client_api resolved;

static void say(orion_loader_log log, int level, const char *format, ...) __attribute__((format(printf, 3, 4)));

static void say(orion_loader_log log, int level, const char *format, ...)
{
    if (log == NULL)
        return;
    char message[512];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    log(level, message);
}

static void *load_from(const char *path, int failure_level, orion_loader_log log)
{
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL)
        say(log, failure_level, "cannot load the Orion client library %s: %s", path, dlerror());
    return library;
}

static void *load_client_library(void (*anchor)(void), orion_loader_log log)
{
    const char *configured = getenv("ORION_CLIENT_LIB");
    if (configured != NULL && *configured != '\0')
        return load_from(configured, ORION_LOADER_ERROR, log);
    Dl_info self;
    if (anchor != NULL && dladdr((void *)anchor, &self) != 0 && self.dli_fname != NULL) {
        const char *slash = strrchr(self.dli_fname, '/');
        char beside[PATH_MAX];
        if (slash != NULL &&
            snprintf(beside, sizeof beside, "%.*s/%s", (int)(slash - self.dli_fname), self.dli_fname, CLIENT_LIBRARY) <
                (int)sizeof beside) {
            void *library = load_from(beside, ORION_LOADER_DEBUG, log);
            if (library != NULL)
                return library;
        }
    }
    return load_from(CLIENT_LIBRARY, ORION_LOADER_ERROR, log);
}

static enum orion_client_outcome attempt(void (*anchor)(void), orion_loader_log log)
{
    void *library = load_client_library(anchor, log);
    if (library == NULL)
        return ORION_CLIENT_NO_LIBRARY;
#define STUB_CLIENT_FN(ret, name, params)                                                                          \
    if ((*(void **)(&resolved.name) = dlsym(library, #name)) == NULL) {                                            \
        say(log, ORION_LOADER_ERROR, "the Orion client library lacks the entry point %s", #name);                 \
        return ORION_CLIENT_NO_LIBRARY;                                                                            \
    }
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN
    int32_t version = resolved.orion_client_abi_version();
    if (version != ORION_CLIENT_ABI_VERSION) {
        say(log, ORION_LOADER_ERROR, "the Orion client library speaks client ABI %d, this library needs %d", (int)version,
            ORION_CLIENT_ABI_VERSION);
        return ORION_CLIENT_ABI_MISMATCH;
    }
    initialize_status = resolved.orion_initialize();
    return initialize_status == 0 ? ORION_CLIENT_CONNECTED : ORION_CLIENT_NO_SERVER;
}

enum orion_client_outcome orion_client_connect(orion_client_api *api, void (*anchor)(void), orion_loader_log log,
                                               int32_t *client_status)
{
    pthread_mutex_lock(&connect_lock);
    if (!attempted) {
        attempted = 1;
        outcome = attempt(anchor, log);
    }
    if (outcome == ORION_CLIENT_CONNECTED && api != NULL)
        *api = resolved;
    if (client_status != NULL)
        *client_status = initialize_status;
    pthread_mutex_unlock(&connect_lock);
    return outcome;
}
