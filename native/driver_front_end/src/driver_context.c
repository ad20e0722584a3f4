/*
 * Contexts. Each device has one primary context, which is the server session's context for
 * that device; the client keeps the per-thread current-context stack and the primary context's
 * retain count and flags. Separate contexts (cuCtxCreate) would need a context of their own on
 * the server, which the protocol does not have yet, so they are refused.
 */
#include <pthread.h>
#include <string.h>

#include "driver_context_storage.h"
#include "driver_arrays.h"
#include "driver_handles.h"

static struct driver_context primaries[DRIVER_MAX_DEVICES];
static int retain_counts[DRIVER_MAX_DEVICES];
static pthread_mutex_t primaries_lock = PTHREAD_MUTEX_INITIALIZER;

#define STACK_DEPTH 32
static __thread CUcontext stack[STACK_DEPTH];
static __thread int depth; /* stack[depth - 1] is current */

static CUcontext primary_of(int device)
{
    struct driver_context *context = &primaries[device];
    if (context->magic != DRIVER_CONTEXT_MAGIC) {
        context->device = device;
        context->primary = 1;
        context->id = (unsigned long long)device + 1;
        __atomic_store_n(&context->magic, DRIVER_CONTEXT_MAGIC, __ATOMIC_RELEASE);
    }
    return context;
}

static int valid(CUcontext context)
{
    return context != NULL && __atomic_load_n(&context->magic, __ATOMIC_ACQUIRE) == DRIVER_CONTEXT_MAGIC;
}

CUcontext driver_current_context(void) { return depth > 0 ? stack[depth - 1] : NULL; }

CUresult driver_context_device(CUcontext context, int *device)
{
    if (context == NULL)
        context = driver_current_context();
    if (!valid(context))
        return CUDA_ERROR_INVALID_CONTEXT;
    *device = context->device;
    return CUDA_SUCCESS;
}

CUresult driver_current_device(int *device)
{
    CUresult result = driver_begin();
    return result != CUDA_SUCCESS ? result : driver_context_device(NULL, device);
}

CUcontext driver_primary_context(int device)
{
    pthread_mutex_lock(&primaries_lock);
    CUcontext context = primary_of(device);
    pthread_mutex_unlock(&primaries_lock);
    return context;
}

DRIVER_API CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device)
{
    if (context == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&primaries_lock);
    *context = primary_of(device);
    retain_counts[device]++;
    pthread_mutex_unlock(&primaries_lock);
    return CUDA_SUCCESS;
}

/* The last release makes the primary context inactive; its memory and modules stay on the
 * server until the session ends or the context is reset (cuDevicePrimaryCtxReset). */
static CUresult primary_release(CUdevice device)
{
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&primaries_lock);
    result = retain_counts[device] > 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
    if (result == CUDA_SUCCESS)
        retain_counts[device]--;
    pthread_mutex_unlock(&primaries_lock);
    return result;
}

DRIVER_API CUresult cuDevicePrimaryCtxRelease(CUdevice device) { return primary_release(device); }
DRIVER_API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) { return primary_release(device); }

DRIVER_API CUresult cuDevicePrimaryCtxGetState(CUdevice device, unsigned int *flags, int *active)
{
    if (flags == NULL || active == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&primaries_lock);
    *flags = primaries[device].flags;
    *active = retain_counts[device] > 0;
    pthread_mutex_unlock(&primaries_lock);
    return CUDA_SUCCESS;
}

/* Scheduling and the other context flags are recorded and reported; the server's context
 * keeps its own scheduling policy (the flags describe how a host thread waits, which on the
 * client is how it waits for the server's reply). */
static CUresult primary_set_flags(CUdevice device, unsigned int flags)
{
    if ((flags & ~(unsigned int)CU_CTX_FLAGS_MASK) != 0 || (flags & CU_CTX_SCHED_MASK) == 3 ||
        (flags & CU_CTX_SCHED_MASK) > 4)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&primaries_lock);
    primary_of(device)->flags = flags;
    pthread_mutex_unlock(&primaries_lock);
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuDevicePrimaryCtxSetFlags(CUdevice device, unsigned int flags) { return primary_set_flags(device, flags); }
DRIVER_API CUresult cuDevicePrimaryCtxSetFlags_v2(CUdevice device, unsigned int flags) { return primary_set_flags(device, flags); }

/*
 * Context limits as the server last reported them. cuDNN reads a limit at nearly every convolution,
 * and only this process's cuCtxSetLimit (or a reset) changes them, so each is asked once. The stack
 * size is the exception: the driver raises it by itself when a kernel needs more, so it is always
 * asked.
 */
#define CACHED_LIMITS 16
#define LIMIT_STACK_SIZE 0
static pthread_mutex_t limits_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    uint32_t known;
    uint64_t values[CACHED_LIMITS];
} limits[DRIVER_MAX_DEVICES];

static int cached_limit(int device, int limit)
{
    return device >= 0 && device < DRIVER_MAX_DEVICES && limit > LIMIT_STACK_SIZE && limit < CACHED_LIMITS;
}

static void forget_limits(int device)
{
    if (device < 0 || device >= DRIVER_MAX_DEVICES)
        return;
    pthread_mutex_lock(&limits_lock);
    limits[device].known = 0;
    pthread_mutex_unlock(&limits_lock);
}

/* Destroys everything the session holds on the device (the server resets its context). */
static CUresult primary_reset(CUdevice device)
{
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    /* The runtime's per-context state goes first, as with NVIDIA's driver, while it can still
     * free what it holds on the device. */
    driver_storage_release_context(driver_primary_context(device));
    result = driver_result(driver_client.orion_device_reset(device));
    if (result == CUDA_SUCCESS) {
        driver_ranges_forget_device(device);
        driver_pools_forget_device(device);
        driver_vmm_forget_device(device);
        driver_arrays_forget_device(device);
        driver_texture_objects_forget_device(device);
        forget_limits(device);
        pthread_mutex_lock(&primaries_lock);
        primary_of(device)->flags = 0;
        pthread_mutex_unlock(&primaries_lock);
    }
    return result;
}

DRIVER_API CUresult cuDevicePrimaryCtxReset(CUdevice device) { return primary_reset(device); }
DRIVER_API CUresult cuDevicePrimaryCtxReset_v2(CUdevice device) { return primary_reset(device); }

DRIVER_API CUresult cuCtxGetCurrent(CUcontext *context)
{
    if (context == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    *context = result == CUDA_SUCCESS ? driver_current_context() : NULL;
    return result;
}

DRIVER_API CUresult cuCtxSetCurrent(CUcontext context)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (context != NULL && !valid(context))
        return CUDA_ERROR_INVALID_CONTEXT;
    if (context == NULL) {
        if (depth > 0)
            depth--;
        return CUDA_SUCCESS;
    }
    if (depth == 0)
        depth = 1;
    stack[depth - 1] = context;
    return CUDA_SUCCESS;
}

static CUresult push(CUcontext context)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!valid(context))
        return CUDA_ERROR_INVALID_CONTEXT;
    if (depth == STACK_DEPTH)
        return CUDA_ERROR_OUT_OF_MEMORY;
    stack[depth++] = context;
    return CUDA_SUCCESS;
}

static CUresult pop(CUcontext *context)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (depth == 0)
        return CUDA_ERROR_INVALID_CONTEXT;
    CUcontext popped = stack[--depth];
    if (context != NULL)
        *context = popped;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuCtxPushCurrent(CUcontext context) { return push(context); }
DRIVER_API CUresult cuCtxPushCurrent_v2(CUcontext context) { return push(context); }
DRIVER_API CUresult cuCtxPopCurrent(CUcontext *context) { return pop(context); }
DRIVER_API CUresult cuCtxPopCurrent_v2(CUcontext *context) { return pop(context); }

DRIVER_API CUresult cuCtxGetDevice(CUdevice *device)
{
    if (device == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return driver_current_device(device);
}

DRIVER_API CUresult cuCtxGetDevice_v2(CUdevice *device, CUcontext context)
{
    if (device == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    return result != CUDA_SUCCESS ? result : driver_context_device(context, device);
}

static CUresult synchronize(CUcontext context)
{
    int device;
    CUresult result = driver_begin();
    if (result == CUDA_SUCCESS)
        result = driver_context_device(context, &device);
    if (result == CUDA_SUCCESS)
        result = driver_result(driver_client.orion_device_synchronize(device));
    return result == CUDA_SUCCESS ? driver_mapped_after_wait(1) : result;
}

DRIVER_API CUresult cuCtxSynchronize(void) { return synchronize(NULL); }
DRIVER_API CUresult cuCtxSynchronize_v2(CUcontext context) { return synchronize(context); }

DRIVER_API CUresult cuCtxGetFlags(unsigned int *flags)
{
    int device;
    if (flags == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result == CUDA_SUCCESS)
        *flags = driver_current_context()->flags;
    return result;
}

DRIVER_API CUresult cuCtxSetFlags(unsigned int flags)
{
    int device;
    CUresult result = driver_current_device(&device);
    return result != CUDA_SUCCESS ? result : primary_set_flags(device, flags);
}

DRIVER_API CUresult cuCtxGetId(CUcontext context, unsigned long long *id)
{
    if (id == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (context == NULL)
        context = driver_current_context();
    if (!valid(context))
        return CUDA_ERROR_INVALID_CONTEXT;
    *id = context->id;
    return CUDA_SUCCESS;
}

/* The driver API version a context was created with: 3020 and later contexts say 3020. */
DRIVER_API CUresult cuCtxGetApiVersion(CUcontext context, unsigned int *version)
{
    if (version == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (context == NULL)
        context = driver_current_context();
    if (!valid(context))
        return CUDA_ERROR_INVALID_CONTEXT;
    *version = 3020;
    return CUDA_SUCCESS;
}

/* A device's stream priority range never changes: asked of the server once per device (PyTorch asks
 * at every stream it creates). 0 in known: not asked yet. */
static struct {
    int known, low, high;
} priority_ranges[DRIVER_MAX_DEVICES];

CUresult driver_stream_priority_range(int device, int *least, int *greatest)
{
    if (device >= 0 && device < DRIVER_MAX_DEVICES && __atomic_load_n(&priority_ranges[device].known, __ATOMIC_ACQUIRE)) {
        *least = priority_ranges[device].low;
        *greatest = priority_ranges[device].high;
        return CUDA_SUCCESS;
    }
    CUresult result = driver_result(driver_client.orion_stream_priority_range(device, least, greatest));
    if (result == CUDA_SUCCESS && device >= 0 && device < DRIVER_MAX_DEVICES) {
        priority_ranges[device].low = *least;
        priority_ranges[device].high = *greatest;
        __atomic_store_n(&priority_ranges[device].known, 1, __ATOMIC_RELEASE);
    }
    return result;
}

DRIVER_API CUresult cuCtxGetStreamPriorityRange(int *least, int *greatest)
{
    int device, low = 0, high = 0;
    CUresult result = driver_current_device(&device);
    if (result == CUDA_SUCCESS)
        result = driver_stream_priority_range(device, &low, &high);
    if (result == CUDA_SUCCESS) {
        if (least != NULL)
            *least = low;
        if (greatest != NULL)
            *greatest = high;
    }
    return result;
}

/* Limits of the server's context for the device (stack size, printf FIFO, malloc heap, ...). */
DRIVER_API CUresult cuCtxGetLimit(size_t *value, int limit)
{
    int device;
    uint64_t remote = 0;
    if (value == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    int cached = result == CUDA_SUCCESS && cached_limit(device, limit), known = 0;
    if (cached) {
        pthread_mutex_lock(&limits_lock);
        known = (limits[device].known >> limit) & 1;
        remote = limits[device].values[limit];
        pthread_mutex_unlock(&limits_lock);
    }
    if (result == CUDA_SUCCESS && !known)
        result = driver_result(driver_client.orion_device_get_limit(device, limit, &remote));
    if (result == CUDA_SUCCESS && cached && !known) {
        pthread_mutex_lock(&limits_lock);
        limits[device].values[limit] = remote;
        limits[device].known |= 1u << limit;
        pthread_mutex_unlock(&limits_lock);
    }
    if (result == CUDA_SUCCESS)
        *value = remote;
    return result;
}

DRIVER_API CUresult cuCtxSetLimit(int limit, size_t value)
{
    int device;
    CUresult result = driver_current_device(&device);
    if (result == CUDA_SUCCESS)
        result = driver_result(driver_client.orion_device_set_limit(device, limit, value));
    /* What the limit now reads is the server's to say (it may round the value): asked again. */
    if (result == CUDA_SUCCESS && cached_limit(device, limit)) {
        pthread_mutex_lock(&limits_lock);
        limits[device].known &= ~(1u << limit);
        pthread_mutex_unlock(&limits_lock);
    }
    return result;
}

/* The cache and shared-memory preferences are hints the driver may ignore; the context
 * records and reports them (the per-function preference is forwarded by cuFuncSetCacheConfig). */
DRIVER_API CUresult cuCtxGetCacheConfig(int *config)
{
    int device;
    if (config == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result == CUDA_SUCCESS)
        *config = driver_current_context()->cache_config;
    return result;
}

DRIVER_API CUresult cuCtxSetCacheConfig(int config)
{
    int device;
    if (config < 0 || config > 3)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result == CUDA_SUCCESS)
        driver_current_context()->cache_config = config;
    return result;
}

DRIVER_API CUresult cuCtxGetSharedMemConfig(int *config)
{
    int device;
    if (config == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result == CUDA_SUCCESS)
        *config = 1; /* CU_SHARED_MEM_CONFIG_FOUR_BYTE_BANK_SIZE: the only size on sm_50 and later */
    return result;
}
