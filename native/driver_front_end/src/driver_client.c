/*
 * cuInit's work: finds liborion_client.so (ORION_CLIENT_LIB, else beside this library, else the
 * library path), checks its ABI version and connects, once per process. NVIDIA's libcuda.so.1 is
 * never loaded: if the client cannot be reached, every call fails with CUDA_ERROR_NO_DEVICE
 * rather than quietly running on a local GPU.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_internal.h"

#define STUB_CLIENT_FN(ret, name, params)                                                                          \
    _Static_assert(__builtin_types_compatible_p(__typeof__(&name), ret(*) params),                                \
                   #name " in the generated stub_client_functions.h does not match orion_client.h");
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN

driver_client_api driver_client;

#define CLIENT_LIBRARY "liborion_client.so"

static pthread_once_t connect_once = PTHREAD_ONCE_INIT;
static CUresult connect_result = CUDA_ERROR_NO_DEVICE;
static int initialized; /* cuInit succeeded */
static int shut_down_already; /* the session was closed at exit */

static void *load_from(const char *path, enum driver_log_level failure_level)
{
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL)
        driver_log(failure_level, "cannot load the Orion client library %s: %s", path, dlerror());
    return library;
}

static void *load_client_library(void)
{
    const char *configured = getenv("ORION_CLIENT_LIB");
    if (configured != NULL && *configured != '\0')
        return load_from(configured, DRIVER_LOG_ERROR);
    Dl_info self;
    if (dladdr((void *)&driver_connect, &self) != 0 && self.dli_fname != NULL) {
        const char *slash = strrchr(self.dli_fname, '/');
        char beside[PATH_MAX];
        if (slash != NULL &&
            snprintf(beside, sizeof beside, "%.*s/%s", (int)(slash - self.dli_fname), self.dli_fname, CLIENT_LIBRARY) <
                (int)sizeof beside) {
            void *library = load_from(beside, DRIVER_LOG_DEBUG);
            if (library != NULL)
                return library;
        }
    }
    return load_from(CLIENT_LIBRARY, DRIVER_LOG_ERROR);
}

/* At exit the session closes; a library's teardown that calls the driver afterwards is told the
 * driver is deinitialized, as NVIDIA's driver tells it then (runtimes ignore that error at exit). */
static void shut_down(void)
{
    __atomic_store_n(&shut_down_already, 1, __ATOMIC_RELEASE);
    driver_client.orion_shutdown();
}

static void connect_to_server(void)
{
    void *library = load_client_library();
    if (library == NULL)
        return;
#define STUB_CLIENT_FN(ret, name, params)                                                                          \
    if ((*(void **)(&driver_client.name) = dlsym(library, #name)) == NULL) {                                       \
        driver_log(DRIVER_LOG_ERROR, "the Orion client library lacks the entry point %s", #name);                  \
        return;                                                                                                    \
    }
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN
    int32_t version = driver_client.orion_client_abi_version();
    if (version != ORION_CLIENT_ABI_VERSION) {
        driver_log(DRIVER_LOG_ERROR, "the Orion client library speaks client ABI %d, this libcuda.so.1 needs %d",
                   (int)version, ORION_CLIENT_ABI_VERSION);
        return;
    }
    int32_t status = driver_client.orion_initialize();
    if (status != 0) {
        /* The client has already said why (server unreachable, refused, bad ORION_SERVER). */
        connect_result = status == CUDA_ERROR_DEVICE_UNAVAILABLE ? CUDA_ERROR_DEVICE_UNAVAILABLE : CUDA_ERROR_NO_DEVICE;
        return;
    }
    connect_result = CUDA_SUCCESS;
    atexit(shut_down);
}

CUresult driver_connect(void)
{
    pthread_once(&connect_once, connect_to_server);
    return connect_result;
}

CUresult driver_begin(void)
{
    if (__atomic_load_n(&shut_down_already, __ATOMIC_ACQUIRE))
        return CUDA_ERROR_DEINITIALIZED;
    return __atomic_load_n(&initialized, __ATOMIC_ACQUIRE) ? CUDA_SUCCESS : CUDA_ERROR_NOT_INITIALIZED;
}

DRIVER_API CUresult cuInit(unsigned int flags)
{
    if (flags != 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_connect();
    if (result == CUDA_SUCCESS)
        __atomic_store_n(&initialized, 1, __ATOMIC_RELEASE);
    return result;
}

int driver_reported_version(void)
{
    /* The CUDA version this driver implements (its cuGetProcAddress table's newest), or the
     * server's driver when that is older: never more than either can serve. */
    int newest = driver_newest_version(), remote = 0;
    if (driver_connect() == CUDA_SUCCESS && driver_client.orion_driver_version(&remote) == 0 && remote > 0 &&
        remote < newest)
        return remote;
    return newest;
}

/* Answerable before cuInit and without a server, as NVIDIA's driver answers it. */
DRIVER_API CUresult cuDriverGetVersion(int *version)
{
    if (version == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    *version = driver_reported_version();
    return CUDA_SUCCESS;
}
