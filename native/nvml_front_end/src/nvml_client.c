/*
 * nvmlInit and nvmlShutdown: the first nvmlInit loads liborion_client.so (native/client_common) and connects;
 * the client library connects once per process, so a program that also uses Orion's libcuda.so.1 shares its
 * session. A local NVIDIA driver is never used: without a server nvmlInit answers NVML_ERROR_DRIVER_NOT_LOADED.
 * Initializations are counted; nvmlShutdown only counts down (the session belongs to the process, and the
 * driver front end may be using it), and once the count is back to 0 every call answers NVML_ERROR_UNINITIALIZED.
 */
#include <pthread.h>

#include "nvml_internal.h"

orion_client_api nvml_client;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int init_count;

static void loader_log(int level, const char *message)
{
    nvml_log(level == ORION_LOADER_ERROR ? NVML_LOG_ERROR : NVML_LOG_DEBUG, "%s", message);
}

nvmlReturn_t nvml_connect(void)
{
    int32_t client_status = 0;
    enum orion_client_outcome outcome =
        orion_client_connect(&nvml_client, (void (*)(void))nvml_connect, loader_log, &client_status);
    if (outcome == ORION_CLIENT_CONNECTED)
        return NVML_SUCCESS;
    static int said;
    if (!__atomic_exchange_n(&said, 1, __ATOMIC_RELAXED))
        nvml_log(NVML_LOG_ERROR, "Orion's NVML has no remote GPU (NVML_ERROR_DRIVER_NOT_LOADED)");
    return NVML_ERROR_DRIVER_NOT_LOADED;
}

static nvmlReturn_t init(void)
{
    nvmlReturn_t result = nvml_connect();
    if (result != NVML_SUCCESS)
        return result;
    pthread_mutex_lock(&init_lock);
    init_count++;
    pthread_mutex_unlock(&init_lock);
    return NVML_SUCCESS;
}

nvmlReturn_t nvml_begin(void)
{
    return __atomic_load_n(&init_count, __ATOMIC_ACQUIRE) > 0 ? NVML_SUCCESS : NVML_ERROR_UNINITIALIZED;
}

NVML_API nvmlReturn_t nvmlInit_v2(void) { return init(); }

/* NVML 4's nvmlInit attached every GPU at once; Orion's devices are the server's, so both are the same. */
NVML_API nvmlReturn_t nvmlInit(void) { return init(); }

/* The flags (no GPUs, no attach) change nothing here: a server that answers has at least one device. */
NVML_API nvmlReturn_t nvmlInitWithFlags(unsigned int flags) { return init(); }

NVML_API nvmlReturn_t nvmlShutdown(void)
{
    pthread_mutex_lock(&init_lock);
    nvmlReturn_t result = NVML_ERROR_UNINITIALIZED;
    if (init_count > 0) {
        init_count--;
        result = NVML_SUCCESS;
    }
    pthread_mutex_unlock(&init_lock);
    return result;
}

nvmlReturn_t nvml_result(int32_t client_status)
{
    switch (client_status) {
    case 0:
        return NVML_SUCCESS;
    case 1: /* invalid value */
    case 101: /* invalid device */
        return NVML_ERROR_INVALID_ARGUMENT;
    case 46:  /* devices unavailable: the connection is gone */
    case 100: /* no device */
        return NVML_ERROR_GPU_IS_LOST;
    case 801: /* not supported */
        return NVML_ERROR_NOT_SUPPORTED;
    default:
        return NVML_ERROR_UNKNOWN;
    }
}
