/*
 * Stream-ordered memory pools: cuDeviceGetDefaultMemPool, cuDeviceGetMemPool, cuDeviceSetMemPool,
 * cuMemPoolCreate/Destroy, cuMemPoolSetAttribute/GetAttribute, cuMemPoolTrimTo, cuMemAllocFromPoolAsync.
 *
 * A pool is a server object of the session, named by a client handle. The pool a device calls its default
 * is the session's own on the server, not the GPU's process-wide default pool, which every session in a
 * server process would share (its release threshold, its cached memory, its usage figures): each program
 * sees a device whose default pool is its alone, as on a GPU of its own. The device's current pool (the one
 * cuMemAllocAsync takes from) is kept here and on the server, which allocates from it.
 *
 * What a remote device cannot serve is refused with CUDA_ERROR_NOT_SUPPORTED: pools in host memory (the
 * client's host is not the GPU's) and pools whose memory can be exported to another process.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "driver_handles.h"

#define DRIVER_MEMORY_POOL_MAGIC 0x4f52494f4e504f4cull /* "ORIONPOL" */

struct driver_memory_pool {
    uint64_t magic;
    int device;
    uint64_t remote;
    int is_default;
    struct driver_memory_pool *next; /* every record made, to forget a reset device's pools */
};

/* Records are never freed (a destroyed one is marked dead), so that a stale handle is refused. */
static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static struct driver_memory_pool *records;
static struct driver_memory_pool *default_pools[DRIVER_MAX_DEVICES];
static struct driver_memory_pool *current_pools[DRIVER_MAX_DEVICES]; /* NULL: the device's default pool */

static int live_pool(CUmemoryPool pool)
{
    return pool != NULL && __atomic_load_n(&pool->magic, __ATOMIC_ACQUIRE) == DRIVER_MEMORY_POOL_MAGIC;
}

/* A new record, linked; called with pools_lock held. */
static struct driver_memory_pool *new_record(int device, uint64_t remote, int is_default)
{
    struct driver_memory_pool *record = calloc(1, sizeof *record);
    if (record == NULL)
        return NULL;
    *record = (struct driver_memory_pool){0, device, remote, is_default, records};
    __atomic_store_n(&record->magic, DRIVER_MEMORY_POOL_MAGIC, __ATOMIC_RELEASE);
    records = record;
    return record;
}

/* The device's default pool record, bound on the server on first use; called with pools_lock held. */
static CUresult default_pool(int device, struct driver_memory_pool **pool)
{
    if (default_pools[device] == NULL) {
        uint64_t remote = 0;
        CUresult result = driver_result(driver_client.orion_mempool_default(device, &remote));
        if (result != CUDA_SUCCESS)
            return result;
        default_pools[device] = new_record(device, remote, 1);
        if (default_pools[device] == NULL)
            return CUDA_ERROR_OUT_OF_MEMORY;
    }
    *pool = default_pools[device];
    return CUDA_SUCCESS;
}

void driver_pools_forget_device(int device)
{
    if (device < 0 || device >= DRIVER_MAX_DEVICES)
        return;
    pthread_mutex_lock(&pools_lock);
    for (struct driver_memory_pool *record = records; record != NULL; record = record->next)
        if (record->device == device)
            __atomic_store_n(&record->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    default_pools[device] = NULL;
    current_pools[device] = NULL;
    pthread_mutex_unlock(&pools_lock);
}

DRIVER_API CUresult cuDeviceGetDefaultMemPool(CUmemoryPool *pool, CUdevice device)
{
    if (pool == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&pools_lock);
    result = default_pool(device, pool);
    pthread_mutex_unlock(&pools_lock);
    return result;
}

DRIVER_API CUresult cuDeviceGetMemPool(CUmemoryPool *pool, CUdevice device)
{
    if (pool == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&pools_lock);
    if (current_pools[device] != NULL)
        *pool = current_pools[device];
    else
        result = default_pool(device, pool);
    pthread_mutex_unlock(&pools_lock);
    return result;
}

DRIVER_API CUresult cuDeviceSetMemPool(CUdevice device, CUmemoryPool pool)
{
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_pool(pool))
        return CUDA_ERROR_INVALID_HANDLE;
    if (pool->device != device)
        return CUDA_ERROR_INVALID_VALUE; /* a device takes only from a pool of its own memory */
    pthread_mutex_lock(&pools_lock);
    result = driver_result(driver_client.orion_mempool_set_current(device, pool->remote));
    if (result == CUDA_SUCCESS)
        current_pools[device] = pool->is_default ? NULL : pool;
    pthread_mutex_unlock(&pools_lock);
    return result;
}

DRIVER_API CUresult cuMemPoolCreate(CUmemoryPool *pool, const CUmemPoolProps *props)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (pool == NULL || props == NULL || props->allocType != CU_MEM_ALLOCATION_TYPE_PINNED)
        return CUDA_ERROR_INVALID_VALUE;
    if (props->location.type != CU_MEM_LOCATION_TYPE_DEVICE)
        DRIVER_NOT_SUPPORTED("cuMemPoolCreate of a pool in host memory");
    if (props->handleTypes != CU_MEM_HANDLE_TYPE_NONE)
        DRIVER_NOT_SUPPORTED("cuMemPoolCreate of a pool with export handle types");
    int device = props->location.id;
    result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result == CUDA_ERROR_INVALID_DEVICE ? CUDA_ERROR_INVALID_VALUE : result;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_mempool_create(device, props->allocType, props->handleTypes,
                                                              props->maxSize, props->usage, &remote));
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&pools_lock);
    struct driver_memory_pool *record = new_record(device, remote, 0);
    pthread_mutex_unlock(&pools_lock);
    if (record == NULL) {
        driver_client.orion_mempool_destroy(device, remote);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    *pool = record;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuMemPoolDestroy(CUmemoryPool pool)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_pool(pool))
        return CUDA_ERROR_INVALID_HANDLE;
    pthread_mutex_lock(&pools_lock);
    /* The server refuses the default pool; a destroyed current pool leaves the default one current. */
    result = driver_result(driver_client.orion_mempool_destroy(pool->device, pool->remote));
    if (result == CUDA_SUCCESS) {
        __atomic_store_n(&pool->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
        if (current_pools[pool->device] == pool)
            current_pools[pool->device] = NULL;
    }
    pthread_mutex_unlock(&pools_lock);
    return result;
}

/* The reuse policies are ints, the thresholds and amounts cuuint64_t; an attribute this front end does
 * not know is refused, since the width of the caller's value depends on it. */
static int attribute_width(int attribute)
{
    if (attribute >= CU_MEMPOOL_ATTR_REUSE_FOLLOW_EVENT_DEPENDENCIES &&
        attribute <= CU_MEMPOOL_ATTR_REUSE_ALLOW_INTERNAL_DEPENDENCIES)
        return (int)sizeof(int);
    if (attribute >= CU_MEMPOOL_ATTR_RELEASE_THRESHOLD && attribute <= CU_MEMPOOL_ATTR_USED_MEM_HIGH)
        return (int)sizeof(uint64_t);
    return 0;
}

DRIVER_API CUresult cuMemPoolSetAttribute(CUmemoryPool pool, int attribute, void *value)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_pool(pool))
        return CUDA_ERROR_INVALID_HANDLE;
    int width = attribute_width(attribute);
    if (value == NULL || width == 0)
        return CUDA_ERROR_INVALID_VALUE;
    uint64_t wide = 0;
    if (width == (int)sizeof(int)) {
        int flag;
        memcpy(&flag, value, sizeof flag);
        if (flag < 0)
            return CUDA_ERROR_INVALID_VALUE;
        wide = (uint64_t)flag;
    } else {
        memcpy(&wide, value, sizeof wide);
    }
    return driver_result(driver_client.orion_mempool_set_attribute(pool->device, pool->remote, attribute, wide));
}

DRIVER_API CUresult cuMemPoolGetAttribute(CUmemoryPool pool, int attribute, void *value)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_pool(pool))
        return CUDA_ERROR_INVALID_HANDLE;
    int width = attribute_width(attribute);
    if (value == NULL || width == 0)
        return CUDA_ERROR_INVALID_VALUE;
    uint64_t wide = 0;
    result = driver_result(driver_client.orion_mempool_get_attribute(pool->device, pool->remote, attribute, &wide));
    if (result != CUDA_SUCCESS)
        return result;
    if (width == (int)sizeof(int)) {
        int flag = (int)wide;
        memcpy(value, &flag, sizeof flag);
    } else {
        memcpy(value, &wide, sizeof wide);
    }
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuMemPoolTrimTo(CUmemoryPool pool, size_t min_bytes_to_keep)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_pool(pool))
        return CUDA_ERROR_INVALID_HANDLE;
    return driver_result(driver_client.orion_mempool_trim(pool->device, pool->remote, min_bytes_to_keep));
}

/* As cuMemAllocAsync (driver_memory.c): the addresses are reserved in this process too. */
static CUresult allocate_from_pool(CUdeviceptr *pointer, size_t size, CUmemoryPool pool, CUstream stream, int per_thread)
{
    int device;
    uint64_t handle;
    if (pointer == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_pool(pool))
        return CUDA_ERROR_INVALID_HANDLE;
    if (size == 0)
        return CUDA_ERROR_INVALID_VALUE;
    /* The server orders an allocation on a stream of the pool's own device. */
    if (pool->device != device)
        DRIVER_NOT_SUPPORTED("cuMemAllocFromPoolAsync on a stream of another device than the pool's");
    uint64_t address = 0;
    result = driver_result(driver_client.orion_malloc_from_pool_async(device, size, pool->remote, handle, &address));
    return driver_take_stream_ordered(device, handle, result, address, size, pointer);
}

DRIVER_API CUresult cuMemAllocFromPoolAsync(CUdeviceptr *pointer, size_t size, CUmemoryPool pool, CUstream stream)
{
    return allocate_from_pool(pointer, size, pool, stream, 0);
}

DRIVER_API CUresult cuMemAllocFromPoolAsync_ptsz(CUdeviceptr *pointer, size_t size, CUmemoryPool pool, CUstream stream)
{
    return allocate_from_pool(pointer, size, pool, stream, 1);
}

/*
 * CUDA 13's location-based forms (cuMemGetDefaultMemPool, cuMemGetMemPool, cuMemSetMemPool): a device's
 * pinned memory is the device's pools above; host locations and managed memory are not served remotely.
 */
static CUresult device_location(const CUmemLocation *location, int type, int *device)
{
    if (location == NULL || type == 0)
        return CUDA_ERROR_INVALID_VALUE;
    if (location->type != CU_MEM_LOCATION_TYPE_DEVICE || type != CU_MEM_ALLOCATION_TYPE_PINNED)
        DRIVER_NOT_SUPPORTED("memory pools of host memory or of managed memory");
    *device = location->id;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuMemGetDefaultMemPool(CUmemoryPool *pool, CUmemLocation *location, int type)
{
    int device = -1;
    CUresult result = device_location(location, type, &device);
    return result != CUDA_SUCCESS ? result : cuDeviceGetDefaultMemPool(pool, device);
}

DRIVER_API CUresult cuMemGetMemPool(CUmemoryPool *pool, CUmemLocation *location, int type)
{
    int device = -1;
    CUresult result = device_location(location, type, &device);
    return result != CUDA_SUCCESS ? result : cuDeviceGetMemPool(pool, device);
}

DRIVER_API CUresult cuMemSetMemPool(CUmemLocation *location, int type, CUmemoryPool pool)
{
    int device = -1;
    CUresult result = device_location(location, type, &device);
    return result != CUDA_SUCCESS ? result : cuDeviceSetMemPool(device, pool);
}
