/*
 * Finds and loads liborion_client.so, resolves its entry points and initialises the
 * connection, once per process and only when a call first needs the server (never from the
 * static constructors that register fat binaries, so a program that never touches the GPU
 * never connects).
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stub_internal.h"

/* The X-macro list is generated from orion_client.h; this checks that it was read right. */
#define STUB_CLIENT_FN(ret, name, params)                                                                          \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), ret(*) params),                                \
                   #name " in the generated stub_client_functions.h does not match orion_client.h");
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN

stub_client_api stub_client;

static pthread_once_t ready_once = PTHREAD_ONCE_INIT;
static cudaError_t ready_result = cudaErrorNoDevice;

#define CLIENT_LIBRARY_NAME "liborion_client.so"

/* The directory this stub was loaded from, so that the client beside it is found first. */
static int client_path_beside_stub(char *path, size_t capacity)
{
    Dl_info info;
    if (dladdr((void *)&stub_client_ready, &info) == 0 || info.dli_fname == NULL)
        return 0;
    const char *slash = strrchr(info.dli_fname, '/');
    if (slash == NULL)
        return 0;
    int length = snprintf(path, capacity, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname,
                          CLIENT_LIBRARY_NAME);
    return length > 0 && (size_t)length < capacity;
}

static void *open_client_library(void)
{
    const char *configured = getenv("ORION_CLIENT_LIB");
    if (configured != NULL && *configured != '\0') {
        void *handle = dlopen(configured, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL)
            stub_log(STUB_LOG_ERROR, "cannot load the Orion client library ORION_CLIENT_LIB=%s: %s", configured,
                     dlerror());
        return handle;
    }
    char beside[PATH_MAX];
    if (client_path_beside_stub(beside, sizeof beside)) {
        void *handle = dlopen(beside, RTLD_NOW | RTLD_LOCAL);
        if (handle != NULL)
            return handle;
        stub_log(STUB_LOG_DEBUG, "no client library at %s: %s", beside, dlerror());
    }
    void *handle = dlopen(CLIENT_LIBRARY_NAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL)
        stub_log(STUB_LOG_ERROR,
                 "cannot load %s (looked beside libcudart.so.13 and on the library path: %s); "
                 "set ORION_CLIENT_LIB to its path",
                 CLIENT_LIBRARY_NAME, dlerror());
    return handle;
}

static int resolve_entry_points(void *library)
{
#define STUB_CLIENT_FN(ret, name, params)                                                                          \
    *(void **)(&stub_client.name) = dlsym(library, #name);                                                         \
    if (stub_client.name == NULL) {                                                                                \
        stub_log(STUB_LOG_ERROR, "the Orion client library lacks the entry point %s", #name);                     \
        return 0;                                                                                                  \
    }
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN
    return 1;
}

/*
 * Says goodbye to the servers at exit, so that they see a closed session rather than a vanished
 * peer. atexit handlers run before any library's destructors, so the client is still intact.
 */
static void shut_down_client(void) { stub_client.orion_shutdown(); }

static void load_and_initialize(void)
{
    void *library = open_client_library();
    if (library == NULL)
        return;
    if (!resolve_entry_points(library))
        return;
    int32_t version = stub_client.orion_client_abi_version();
    if (version != ORION_CLIENT_ABI_VERSION) {
        stub_log(STUB_LOG_ERROR, "the Orion client library speaks client ABI %d, this libcudart.so.13 needs %d",
                 (int)version, ORION_CLIENT_ABI_VERSION);
        return;
    }
    int32_t status = stub_client.orion_initialize();
    if (status != cudaSuccess) {
        /* The client has already said why (server unreachable, refused, bad ORION_SERVER). */
        stub_log(STUB_LOG_ERROR, "no remote GPU available (%s)", cudaGetErrorName((cudaError_t)status));
        ready_result = status == cudaErrorDevicesUnavailable ? cudaErrorDevicesUnavailable : cudaErrorNoDevice;
        return;
    }
    ready_result = cudaSuccess;
    atexit(shut_down_client);
}

cudaError_t stub_client_ready(void)
{
    pthread_once(&ready_once, load_and_initialize);
    return ready_result;
}

cudaError_t stub_begin(void)
{
    cudaError_t ready = stub_client_ready();
    if (ready != cudaSuccess)
        return ready;
    return stub_sticky_error();
}
