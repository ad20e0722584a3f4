/*
 * An in-process stand-in for liborion_client.so, used only by `make test`: one emulated device
 * whose memory lives in this process at fake addresses, synchronous execution, and two test
 * kernels. It lets the stub's own logic (registration, launch path, error rules, copies, host
 * memory, callbacks) be tested with gcc alone; the CI test (tests/Orion.CudartStub.Tests) runs
 * the same test program against the real client and server.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orion_client.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_ALLOCATIONS 4096
#define FAKE_BASE 0x7e0000000000ull /* device addresses that are never valid host addresses */

enum { OK = 0, INVALID_VALUE = 1, NO_DEVICE = 100, INVALID_HANDLE = 400, SYMBOL_NOT_FOUND = 500,
       NOT_READY = 600, ILLEGAL_ADDRESS = 700, INVALID_KERNEL_IMAGE = 200 };

typedef struct allocation {
    uint64_t address;
    uint64_t size;
    unsigned char *memory;
    uint64_t mapped; /* a mapping of this physical allocation (virtual memory API): its memory is not the entry's */
} allocation;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Round trips a test can count (mock_client_calls): how often the front end asked the client. */
static int function_attribute_calls, function_set_calls, occupancy_calls, priority_range_calls, get_limit_calls;
static allocation allocations[MAX_ALLOCATIONS];
static uint64_t next_address = FAKE_BASE;
static uint64_t next_handle = 0x1000;
static int32_t latched; /* sticky fault of the device, reported by synchronizing calls */
static uint64_t counter_address;

/* Queued host callbacks, run at the next synchronizing call (never inside the enqueuing call). */
typedef struct pending_callback {
    uint64_t stream;
    orion_host_callback callback;
    void *fn, *user;
} pending_callback;
static pending_callback pending[64];
static int pending_count;

static unsigned char *translate(uint64_t address, uint64_t size)
{
    for (int i = 0; i < MAX_ALLOCATIONS; i++) {
        allocation *a = &allocations[i];
        if (a->memory != NULL && address >= a->address && address - a->address <= a->size &&
            size <= a->size - (address - a->address))
            return a->memory + (address - a->address);
    }
    return NULL;
}

static int32_t run_callbacks(void)
{
    pthread_mutex_lock(&lock);
    pending_callback copy[64];
    int count = pending_count;
    memcpy(copy, pending, sizeof(pending_callback) * (size_t)count);
    pending_count = 0;
    int32_t status = latched;
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < count; i++)
        copy[i].callback(copy[i].stream, status, copy[i].fn, copy[i].user);
    return status;
}

EXPORT int32_t orion_client_abi_version(void) { return ORION_CLIENT_ABI_VERSION; }
EXPORT int32_t orion_initialize(void) { return getenv("ORION_TEST_MOCK_REFUSE") != NULL ? NO_DEVICE : OK; }
/* The stub must say goodbye at exit: the mock prints it so that check_shutdown.sh can see it. */
EXPORT int32_t orion_shutdown(void)
{
    fputs("mock client: orion_shutdown\n", stderr);
    return OK;
}

EXPORT int32_t orion_device_count(int32_t *count) { *count = 1; return OK; }
EXPORT int32_t orion_driver_version(int32_t *version) { *version = 13000; return OK; }

EXPORT int32_t orion_device_get_attributes(int32_t device, int32_t count, const int32_t *attributes, int32_t *values)
{
    if (device != 0 || count < 0 || count > 256)
        return INVALID_VALUE;
    for (int i = 0; i < count; i++) {
        switch (attributes[i]) {
        case 1: values[i] = 1024; break;             /* max threads per block */
        case 2: case 3: values[i] = 1024; break;     /* max block x, y */
        case 4: values[i] = 64; break;               /* max block z */
        case 5: values[i] = 2147483647; break;       /* max grid x */
        case 6: case 7: values[i] = 65535; break;    /* max grid y, z */
        case 10: values[i] = 32; break;              /* warp size */
        case 16: values[i] = 4; break;               /* multiprocessors */
        case 75: values[i] = 9; break;               /* compute capability major */
        case 76: values[i] = 0; break;
        case 8: values[i] = 48 * 1024; break;        /* shared memory per block */
        default: values[i] = attributes[i] * 10; break; /* recognisable filler */
        }
    }
    return OK;
}

EXPORT int32_t orion_device_get_name(int32_t device, char *name, int32_t capacity)
{
    if (device != 0 || capacity < 1)
        return INVALID_VALUE;
    strncpy(name, "Orion mock device", (size_t)capacity - 1);
    name[capacity - 1] = '\0';
    return OK;
}

EXPORT int32_t orion_device_get_uuid(int32_t device, uint8_t *uuid)
{
    for (int i = 0; i < 16; i++)
        uuid[i] = (uint8_t)(i + 1);
    return device == 0 ? OK : INVALID_VALUE;
}

EXPORT int32_t orion_device_total_memory(int32_t device, uint64_t *bytes)
{
    *bytes = 1ull << 30;
    return device == 0 ? OK : INVALID_VALUE;
}

EXPORT int32_t orion_device_memory_info(int32_t device, uint64_t *free_bytes, uint64_t *total_bytes)
{
    *free_bytes = 1ull << 29;
    *total_bytes = 1ull << 30;
    return device == 0 ? OK : INVALID_VALUE;
}

EXPORT int32_t orion_device_synchronize(int32_t device) { return device == 0 ? run_callbacks() : INVALID_VALUE; }

EXPORT int32_t orion_device_reset(int32_t device)
{
    pthread_mutex_lock(&lock);
    latched = OK;
    pthread_mutex_unlock(&lock);
    return device == 0 ? OK : INVALID_VALUE;
}

EXPORT int32_t orion_malloc(int32_t device, uint64_t size, uint64_t *pointer)
{
    if (size > (1ull << 30))
        return 2; /* cudaErrorMemoryAllocation */
    pthread_mutex_lock(&lock);
    int32_t status = latched;
    for (int i = 0; status == OK && i < MAX_ALLOCATIONS; i++) {
        if (allocations[i].memory == NULL) {
            allocations[i].memory = calloc(1, size);
            allocations[i].size = size;
            allocations[i].address = next_address;
            next_address += (size + 0xffff) & ~0xffffull;
            *pointer = allocations[i].address;
            pthread_mutex_unlock(&lock);
            return allocations[i].memory != NULL ? OK : 2;
        }
    }
    pthread_mutex_unlock(&lock);
    return status != OK ? status : 2;
}

EXPORT int32_t orion_free(int32_t device, uint64_t pointer)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_ALLOCATIONS; i++) {
        if (allocations[i].memory != NULL && allocations[i].address == pointer && allocations[i].mapped == 0) {
            free(allocations[i].memory);
            allocations[i].memory = NULL;
            pthread_mutex_unlock(&lock);
            return OK;
        }
    }
    pthread_mutex_unlock(&lock);
    return INVALID_VALUE;
}

static int32_t finish(int32_t async) { return async ? OK : run_callbacks(); }

EXPORT int32_t orion_memcpy_htod(int32_t device, uint64_t dst, const void *src, uint64_t size, uint64_t stream,
                                 int32_t async)
{
    unsigned char *target = translate(dst, size);
    if (target == NULL)
        return INVALID_VALUE;
    memcpy(target, src, size);
    return finish(async);
}

EXPORT int32_t orion_memcpy_dtoh(int32_t device, void *dst, uint64_t src, uint64_t size, uint64_t stream,
                                 int32_t async)
{
    unsigned char *source = translate(src, size);
    if (source == NULL)
        return INVALID_VALUE;
    memcpy(dst, source, size);
    return finish(async);
}

EXPORT int32_t orion_memcpy_dtod(int32_t device, uint64_t dst, uint64_t src, uint64_t size, uint64_t stream,
                                 int32_t async)
{
    unsigned char *target = translate(dst, size), *source = translate(src, size);
    if (target == NULL || source == NULL)
        return INVALID_VALUE;
    memmove(target, source, size);
    return finish(async);
}

static int32_t copy_rows(unsigned char *dst, uint64_t dst_pitch, const unsigned char *src, uint64_t src_pitch,
                         uint64_t width, uint64_t height)
{
    for (uint64_t row = 0; row < height; row++)
        memmove(dst + row * dst_pitch, src + row * src_pitch, width);
    return OK;
}

EXPORT int32_t orion_memcpy_2d_htod(int32_t device, uint64_t dst, uint64_t dst_pitch, const void *src,
                                    uint64_t src_pitch, uint64_t width, uint64_t height, uint64_t stream, int32_t async)
{
    unsigned char *target = translate(dst, dst_pitch * (height - 1) + width);
    if (target == NULL)
        return INVALID_VALUE;
    copy_rows(target, dst_pitch, src, src_pitch, width, height);
    return finish(async);
}

EXPORT int32_t orion_memcpy_2d_dtoh(int32_t device, void *dst, uint64_t dst_pitch, uint64_t src, uint64_t src_pitch,
                                    uint64_t width, uint64_t height, uint64_t stream, int32_t async)
{
    unsigned char *source = translate(src, src_pitch * (height - 1) + width);
    if (source == NULL)
        return INVALID_VALUE;
    copy_rows(dst, dst_pitch, source, src_pitch, width, height);
    return finish(async);
}

EXPORT int32_t orion_memcpy_2d_dtod(int32_t device, uint64_t dst, uint64_t dst_pitch, uint64_t src,
                                    uint64_t src_pitch, uint64_t width, uint64_t height, uint64_t stream, int32_t async)
{
    unsigned char *target = translate(dst, dst_pitch * (height - 1) + width);
    unsigned char *source = translate(src, src_pitch * (height - 1) + width);
    if (target == NULL || source == NULL)
        return INVALID_VALUE;
    copy_rows(target, dst_pitch, source, src_pitch, width, height);
    return finish(async);
}

EXPORT int32_t orion_memset(int32_t device, uint64_t dst, uint8_t value, uint64_t size, uint64_t stream, int32_t async)
{
    unsigned char *target = translate(dst, size);
    if (target == NULL)
        return INVALID_VALUE;
    memset(target, value, size);
    return finish(async);
}

EXPORT int32_t orion_memset_2d(int32_t device, uint64_t dst, uint64_t pitch, uint8_t value, uint64_t width,
                               uint64_t height, uint64_t stream, int32_t async)
{
    unsigned char *target = translate(dst, pitch * (height - 1) + width);
    if (target == NULL)
        return INVALID_VALUE;
    for (uint64_t row = 0; row < height; row++)
        memset(target + row * pitch, value, width);
    return finish(async);
}

EXPORT int32_t orion_malloc_async(int32_t device, uint64_t size, uint64_t stream, uint64_t *device_pointer)
{
    return orion_malloc(device, size, device_pointer);
}

EXPORT int32_t orion_free_async(int32_t device, uint64_t device_pointer, uint64_t stream)
{
    return orion_free(device, device_pointer);
}

/* Elements of 1, 2 or 4 bytes, stored little-endian as a GPU does. */
static void fill_elements(unsigned char *target, uint32_t value, int32_t element_bytes, uint64_t count)
{
    for (uint64_t i = 0; i < count; i++)
        memcpy(target + i * (uint64_t)element_bytes, &value, (size_t)element_bytes);
}

EXPORT int32_t orion_memset_elements(int32_t device, uint64_t dst, uint32_t value, int32_t element_bytes,
                                     uint64_t count, uint64_t stream, int32_t async)
{
    if (element_bytes != 1 && element_bytes != 2 && element_bytes != 4)
        return INVALID_VALUE;
    unsigned char *target = translate(dst, count * (uint64_t)element_bytes);
    if (target == NULL)
        return INVALID_VALUE;
    fill_elements(target, value, element_bytes, count);
    return finish(async);
}

EXPORT int32_t orion_memset_2d_elements(int32_t device, uint64_t dst, uint64_t pitch, uint32_t value,
                                        int32_t element_bytes, uint64_t width, uint64_t height, uint64_t stream,
                                        int32_t async)
{
    if (element_bytes != 1 && element_bytes != 2 && element_bytes != 4)
        return INVALID_VALUE;
    unsigned char *target = translate(dst, pitch * (height - 1) + width * (uint64_t)element_bytes);
    if (target == NULL)
        return INVALID_VALUE;
    for (uint64_t row = 0; row < height; row++)
        fill_elements(target + row * pitch, value, element_bytes, width);
    return finish(async);
}

EXPORT int32_t orion_memcpy_peer(int32_t dst_device, uint64_t dst, int32_t src_device, uint64_t src, uint64_t size,
                                 uint64_t stream, int32_t async)
{
    return orion_memcpy_dtod(dst_device, dst, src, size, stream, async);
}

EXPORT int32_t orion_module_load(int32_t device, const void *image, uint64_t image_size, uint64_t *module)
{
    const uint32_t *magic = image;
    if (image_size < 16 || *magic != 0xBA55ED50u)
        return INVALID_KERNEL_IMAGE;
    pthread_mutex_lock(&lock);
    *module = next_handle++;
    if (counter_address == 0) {
        pthread_mutex_unlock(&lock);
        uint64_t address = 0;
        int32_t status = orion_malloc(device, sizeof(int32_t), &address);
        pthread_mutex_lock(&lock);
        counter_address = address;
        if (status != OK) {
            pthread_mutex_unlock(&lock);
            return status;
        }
    }
    pthread_mutex_unlock(&lock);
    return OK;
}

EXPORT int32_t orion_module_unload(int32_t device, uint64_t module) { return OK; }

/* Function handles: 1 = orion_test_vector_add, 2 = orion_test_fault. */
EXPORT int32_t orion_module_get_function(int32_t device, uint64_t module, const char *name, uint64_t *function)
{
    if (strcmp(name, "orion_test_vector_add") == 0)
        *function = 1;
    else if (strcmp(name, "orion_test_fault") == 0)
        *function = 2;
    else
        return SYMBOL_NOT_FOUND;
    return OK;
}

EXPORT int32_t orion_module_function_names(int32_t device, uint64_t module, char *names, uint64_t capacity,
                                           uint64_t *needed)
{
    static const char list[] = "orion_test_fault\norion_test_vector_add";
    *needed = sizeof list;
    if (capacity < sizeof list)
        return INVALID_VALUE;
    memcpy(names, list, sizeof list);
    return OK;
}

EXPORT int32_t orion_module_get_global(int32_t device, uint64_t module, const char *name, uint64_t *pointer,
                                       uint64_t *size)
{
    if (strcmp(name, "orion_test_counter") != 0)
        return SYMBOL_NOT_FOUND;
    *pointer = counter_address;
    *size = sizeof(int32_t);
    return OK;
}

static int32_t dynamic_shared_limit = 48 * 1024;


EXPORT int mock_client_calls(const char *name)
{
    return strcmp(name, "orion_function_get_attributes") == 0   ? function_attribute_calls
           : strcmp(name, "orion_function_set_attribute") == 0  ? function_set_calls
           : strcmp(name, "orion_occupancy_max_active_blocks") == 0 ? occupancy_calls
           : strcmp(name, "orion_stream_priority_range") == 0   ? priority_range_calls
           : strcmp(name, "orion_device_get_limit") == 0        ? get_limit_calls
                                                                  : -1;
}

EXPORT int32_t orion_function_get_attributes(int32_t device, uint64_t function, int32_t count,
                                             const int32_t *attributes, int32_t *values)
{
    __atomic_add_fetch(&function_attribute_calls, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < count; i++)
        values[i] = attributes[i] == 0 ? 1024 : attributes[i] == 4 ? 16 : attributes[i] == 8 ? dynamic_shared_limit : 0;
    return function == 1 || function == 2 ? OK : INVALID_HANDLE;
}

EXPORT int32_t orion_function_set_attribute(int32_t device, uint64_t function, int32_t attribute, int32_t value)
{
    __atomic_add_fetch(&function_set_calls, 1, __ATOMIC_RELAXED);
    if (attribute == 8)
        dynamic_shared_limit = value;
    return OK;
}

EXPORT int32_t orion_occupancy_available_dynamic_shared(int32_t device, uint64_t function, int32_t blocks,
                                                        int32_t block_size, uint64_t *bytes)
{
    if (blocks <= 0 || block_size <= 0)
        return INVALID_VALUE;
    *bytes = 48 * 1024 / (uint64_t)blocks;
    return function == 1 || function == 2 ? OK : INVALID_HANDLE;
}

/* As the emulated device: 4 multiprocessors of 2048 threads; a cluster shape must be given, hold at
 * most 8 blocks and divide the grid. */
EXPORT int32_t orion_occupancy_max_active_clusters(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                                   uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                                   uint32_t shared_bytes, uint32_t cluster_x, uint32_t cluster_y,
                                                   uint32_t cluster_z, int32_t *clusters)
{
    (void)device, (void)shared_bytes;
    if (function != 1 && function != 2)
        return INVALID_HANDLE;
    uint64_t cluster = (uint64_t)cluster_x * cluster_y * cluster_z, threads = (uint64_t)block_x * block_y * block_z;
    if (cluster == 0 || cluster > 8 || threads == 0 || threads > 1024 || grid_x % cluster_x || grid_y % cluster_y ||
        grid_z % cluster_z)
        return INVALID_VALUE;
    *clusters = (int32_t)(4 * (2048 / threads) / cluster);
    return OK;
}

static uint64_t limits[8];

EXPORT int32_t orion_device_get_limit(int32_t device, int32_t limit, uint64_t *value)
{
    __atomic_add_fetch(&get_limit_calls, 1, __ATOMIC_RELAXED);
    if (limit < 0 || limit >= 8)
        return 215; /* CUDA_ERROR_UNSUPPORTED_LIMIT */
    *value = limits[limit];
    return OK;
}

EXPORT int32_t orion_device_set_limit(int32_t device, int32_t limit, uint64_t value)
{
    if (limit < 0 || limit >= 8)
        return 215;
    limits[limit] = value;
    return OK;
}

EXPORT int32_t orion_function_set_cache_config(int32_t device, uint64_t function, int32_t config)
{
    return config >= 0 && config <= 3 ? OK : INVALID_VALUE;
}

EXPORT int32_t orion_occupancy_max_active_blocks(int32_t device, uint64_t function, int32_t block_size,
                                                 uint64_t dynamic_shared_bytes, uint32_t flags, int32_t *blocks)
{
    __atomic_add_fetch(&occupancy_calls, 1, __ATOMIC_RELAXED);
    *blocks = 2048 / block_size;
    return OK;
}

EXPORT int32_t orion_launch_kernel(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                   uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                   uint32_t shared_bytes, uint64_t stream, void **args)
{
    if ((uint64_t)block_x * block_y * block_z > 1024)
        return INVALID_VALUE;
    if (function == 2) {
        pthread_mutex_lock(&lock);
        latched = ILLEGAL_ADDRESS; /* reported by the next synchronizing call, like a GPU fault */
        pthread_mutex_unlock(&lock);
        return OK;
    }
    uint64_t a = *(uint64_t *)args[0], b = *(uint64_t *)args[1], c = *(uint64_t *)args[2];
    int32_t n = *(int32_t *)args[3];
    float *fa = (float *)translate(a, (uint64_t)n * 4), *fb = (float *)translate(b, (uint64_t)n * 4);
    float *fc = (float *)translate(c, (uint64_t)n * 4);
    if (fa == NULL || fb == NULL || fc == NULL) {
        latched = ILLEGAL_ADDRESS;
        return OK;
    }
    uint64_t threads = (uint64_t)grid_x * grid_y * grid_z * block_x * block_y * block_z;
    for (int32_t i = 0; i < n && (uint64_t)i < threads; i++)
        fc[i] = fa[i] + fb[i];
    int32_t *counter = (int32_t *)translate(counter_address, 4);
    if (counter != NULL)
        *counter += 1;
    return OK;
}

/* The packed form of orion_test_vector_add's parameters: three pointers and an int. */
EXPORT int32_t orion_launch_kernel_packed(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                          uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                          uint32_t shared_bytes, uint64_t stream, const void *parameters,
                                          uint64_t size)
{
    if (function == 1 && size < 28)
        return INVALID_VALUE;
    const unsigned char *bytes = parameters;
    void *args[4] = {(void *)bytes, (void *)(bytes + 8), (void *)(bytes + 16), (void *)(bytes + 24)};
    return orion_launch_kernel(device, function, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_bytes,
                               stream, args);
}

EXPORT int32_t orion_stream_create(int32_t device, uint32_t flags, int32_t priority, uint64_t *stream)
{
    pthread_mutex_lock(&lock);
    *stream = next_handle++;
    pthread_mutex_unlock(&lock);
    return OK;
}

EXPORT int32_t orion_stream_destroy(int32_t device, uint64_t stream) { return stream >= 0x1000 ? OK : INVALID_HANDLE; }
EXPORT int32_t orion_stream_synchronize(int32_t device, uint64_t stream) { return run_callbacks(); }
EXPORT int32_t orion_stream_query(int32_t device, uint64_t stream) { return pending_count > 0 ? NOT_READY : latched; }
EXPORT int32_t orion_stream_wait_event(int32_t device, uint64_t stream, uint64_t event, uint32_t flags) { return OK; }

EXPORT int32_t orion_stream_priority_range(int32_t device, int32_t *least, int32_t *greatest)
{
    __atomic_add_fetch(&priority_range_calls, 1, __ATOMIC_RELAXED);
    *least = 0;
    *greatest = -5;
    return OK;
}

EXPORT int32_t orion_stream_add_callback(int32_t device, uint64_t stream, orion_host_callback callback, void *fn,
                                         void *user_data)
{
    pthread_mutex_lock(&lock);
    if (pending_count == 64) {
        pthread_mutex_unlock(&lock);
        return 2;
    }
    pending[pending_count++] = (pending_callback){stream, callback, fn, user_data};
    pthread_mutex_unlock(&lock);
    return OK;
}

EXPORT int32_t orion_event_create(int32_t device, uint32_t flags, uint64_t *event)
{
    return orion_stream_create(device, flags, 0, event);
}

EXPORT int32_t orion_event_destroy(int32_t device, uint64_t event) { return OK; }
EXPORT int32_t orion_event_record(int32_t device, uint64_t event, uint64_t stream, uint32_t flags) { return OK; }
EXPORT int32_t orion_event_synchronize(int32_t device, uint64_t event) { return run_callbacks(); }
EXPORT int32_t orion_event_query(int32_t device, uint64_t event) { return OK; }

EXPORT int32_t orion_event_elapsed_time(int32_t device, uint64_t start, uint64_t end, float *milliseconds)
{
    *milliseconds = 0.5f;
    return OK;
}

/* Memory pools: a pool is a handle and its attributes; its memory is ordinary mock memory, and the mock
 * keeps no reuse cache, so the reserved and used figures read 0 (the real client and the emulated server
 * are tested in tests/Orion.CudartStub.Tests). */
typedef struct mock_pool {
    uint64_t handle;
    uint64_t attributes[9];
    int alive;
} mock_pool;
static mock_pool pools[16];
static uint64_t default_pool, current_pool;

static mock_pool *find_pool(uint64_t handle)
{
    for (int i = 0; i < 16; i++)
        if (pools[i].alive && pools[i].handle == handle)
            return &pools[i];
    return NULL;
}

static int32_t new_pool(uint64_t *handle)
{
    for (int i = 0; i < 16; i++) {
        if (!pools[i].alive) {
            memset(&pools[i], 0, sizeof pools[i]);
            pools[i].alive = 1;
            pools[i].handle = next_handle++;
            pools[i].attributes[1] = pools[i].attributes[2] = pools[i].attributes[3] = 1;
            *handle = pools[i].handle;
            return OK;
        }
    }
    return 2;
}

EXPORT int32_t orion_mempool_create(int32_t device, int32_t allocation_type, int32_t handle_types, uint64_t max_bytes,
                                    uint32_t usage, uint64_t *pool)
{
    if (allocation_type != 1)
        return INVALID_VALUE;
    if (handle_types != 0)
        return 801;
    pthread_mutex_lock(&lock);
    int32_t status = new_pool(pool);
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_mempool_destroy(int32_t device, uint64_t pool)
{
    pthread_mutex_lock(&lock);
    mock_pool *found = find_pool(pool);
    int32_t status = found == NULL ? INVALID_HANDLE : pool == default_pool ? INVALID_VALUE : OK;
    if (status == OK) {
        found->alive = 0;
        if (current_pool == pool)
            current_pool = 0;
    }
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_mempool_default(int32_t device, uint64_t *pool)
{
    pthread_mutex_lock(&lock);
    int32_t status = default_pool != 0 ? OK : new_pool(&default_pool);
    *pool = default_pool;
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_mempool_set_current(int32_t device, uint64_t pool)
{
    pthread_mutex_lock(&lock);
    int32_t status = find_pool(pool) != NULL ? OK : INVALID_HANDLE;
    if (status == OK)
        current_pool = pool;
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_mempool_set_attribute(int32_t device, uint64_t pool, int32_t attribute, uint64_t value)
{
    pthread_mutex_lock(&lock);
    mock_pool *found = find_pool(pool);
    int32_t status = found == NULL ? INVALID_HANDLE : attribute >= 1 && attribute <= 4 ? OK : INVALID_VALUE;
    if (status == OK)
        found->attributes[attribute] = value;
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_mempool_get_attribute(int32_t device, uint64_t pool, int32_t attribute, uint64_t *value)
{
    pthread_mutex_lock(&lock);
    mock_pool *found = find_pool(pool);
    int32_t status = found == NULL ? INVALID_HANDLE : attribute >= 1 && attribute <= 8 ? OK : INVALID_VALUE;
    if (status == OK)
        *value = found->attributes[attribute];
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_mempool_trim(int32_t device, uint64_t pool, uint64_t min_bytes_to_keep)
{
    pthread_mutex_lock(&lock);
    int32_t status = find_pool(pool) != NULL ? OK : INVALID_HANDLE;
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_malloc_from_pool_async(int32_t device, uint64_t size, uint64_t pool, uint64_t stream,
                                            uint64_t *device_pointer)
{
    pthread_mutex_lock(&lock);
    int32_t status = find_pool(pool) != NULL ? OK : INVALID_HANDLE;
    pthread_mutex_unlock(&lock);
    return status != OK ? status : orion_malloc(device, size, device_pointer);
}

/* A cooperative launch runs as a plain one once its blocks fit: 4 multiprocessors of 2048 threads. */
EXPORT int32_t orion_launch_cooperative_kernel(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                               uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                               uint32_t shared_bytes, uint64_t stream, void **args)
{
    uint64_t threads = (uint64_t)block_x * block_y * block_z;
    if (threads == 0 || threads > 1024)
        return INVALID_VALUE;
    if ((uint64_t)grid_x * grid_y * grid_z > 4 * (2048 / threads))
        return 720; /* too large; the mock answers at once (the real client at the next synchronizing call) */
    return orion_launch_kernel(device, function, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_bytes, stream,
                               args);
}

EXPORT int32_t orion_launch_cooperative_kernel_packed(int32_t device, uint64_t function, uint32_t grid_x,
                                                      uint32_t grid_y, uint32_t grid_z, uint32_t block_x,
                                                      uint32_t block_y, uint32_t block_z, uint32_t shared_bytes,
                                                      uint64_t stream, const void *parameters, uint64_t size)
{
    if (function == 1 && size < 28)
        return INVALID_VALUE;
    const unsigned char *bytes = parameters;
    void *args[4] = {(void *)bytes, (void *)(bytes + 8), (void *)(bytes + 16), (void *)(bytes + 24)};
    return orion_launch_cooperative_kernel(device, function, grid_x, grid_y, grid_z, block_x, block_y, block_z,
                                           shared_bytes, stream, args);
}

/* Launches with attributes: a cluster must hold at most 8 blocks and divide the grid (912 otherwise, at once in
 * the mock); cooperative ones are checked as above; the rest runs as a plain launch. */
EXPORT int32_t orion_launch_kernel_ex(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z,
                                      uint32_t block_x, uint32_t block_y, uint32_t block_z, uint32_t shared_bytes,
                                      uint64_t stream, uint32_t cluster_x, uint32_t cluster_y, uint32_t cluster_z,
                                      uint32_t cluster_policy, uint32_t flags, int32_t priority, void **args)
{
    (void)priority;
    uint64_t cluster = (uint64_t)cluster_x * cluster_y * cluster_z;
    if (cluster_policy > 2 || (flags & ~7u) != 0 || (cluster == 0 && (cluster_x | cluster_y | cluster_z) != 0))
        return INVALID_VALUE;
    if (cluster != 0 && (cluster > 8 || grid_x % cluster_x || grid_y % cluster_y || grid_z % cluster_z))
        return 912; /* CUDA_ERROR_INVALID_CLUSTER_SIZE */
    return (flags & 1) ? orion_launch_cooperative_kernel(device, function, grid_x, grid_y, grid_z, block_x, block_y, block_z,
                                                         shared_bytes, stream, args)
                       : orion_launch_kernel(device, function, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_bytes,
                                             stream, args);
}

EXPORT int32_t orion_launch_kernel_ex_packed(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                             uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                             uint32_t shared_bytes, uint64_t stream, uint32_t cluster_x, uint32_t cluster_y,
                                             uint32_t cluster_z, uint32_t cluster_policy, uint32_t flags, int32_t priority,
                                             const void *parameters, uint64_t size)
{
    if (function == 1 && size < 28)
        return INVALID_VALUE;
    const unsigned char *bytes = parameters;
    void *args[4] = {(void *)bytes, (void *)(bytes + 8), (void *)(bytes + 16), (void *)(bytes + 24)};
    return orion_launch_kernel_ex(device, function, grid_x, grid_y, grid_z, block_x, block_y, block_z, shared_bytes, stream,
                                  cluster_x, cluster_y, cluster_z, cluster_policy, flags, priority, args);
}

/* CUDA arrays: unpadded element storage, copies of boxes with host, device and array memory. Texture and
 * surface objects are numbers checked against their array (the mock runs no kernel that reads them). */
#define MAX_ARRAYS 256
typedef struct mock_array {
    uint64_t handle;
    uint64_t row_bytes, rows, slices;
    unsigned char *data;
} mock_array;
static mock_array arrays[MAX_ARRAYS];
static uint64_t next_object = 0x5000;

static uint64_t format_bytes(int32_t format)
{
    switch (format) {
    case 0x01: case 0x08: return 1;
    case 0x02: case 0x09: case 0x10: return 2;
    case 0x03: case 0x0a: case 0x20: return 4;
    default: return 0;
    }
}

static mock_array *find_array(uint64_t handle)
{
    for (int i = 0; i < MAX_ARRAYS; i++)
        if (arrays[i].data != NULL && arrays[i].handle == handle)
            return &arrays[i];
    return NULL;
}

EXPORT int32_t orion_array_create(int32_t device, uint64_t width, uint64_t height, uint64_t depth, int32_t format,
                                  int32_t channels, uint32_t flags, uint64_t *array)
{
    uint64_t element = format_bytes(format) * (uint64_t)channels;
    if (width == 0 || element == 0 || (channels != 1 && channels != 2 && channels != 4) || width > (1u << 17) ||
        height > (1u << 17) || depth > (1u << 17))
        return INVALID_VALUE;
    uint64_t rows = height ? height : 1, slices = depth ? depth : 1;
    if (width * element * rows * slices > (64u << 20))
        return 2; /* cudaErrorMemoryAllocation */
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_ARRAYS; i++) {
        if (arrays[i].data == NULL) {
            arrays[i] = (mock_array){next_handle++, width * element, rows, slices,
                                     calloc(1, width * element * rows * slices)};
            *array = arrays[i].handle;
            pthread_mutex_unlock(&lock);
            return OK;
        }
    }
    pthread_mutex_unlock(&lock);
    return 2;
}

EXPORT int32_t orion_array_destroy(int32_t device, uint64_t array)
{
    mock_array *found = find_array(array);
    if (found == NULL)
        return INVALID_HANDLE;
    free(found->data);
    found->data = NULL;
    return OK;
}

/* One side of a box copy: an array position, or linear memory (a host pointer or a mock device address). */
typedef struct box_side {
    mock_array *array;
    uint64_t x, y, z;
    unsigned char *linear;
    uint64_t pitch, height;
} box_side;

static unsigned char *box_row(const box_side *side, uint64_t slice, uint64_t row)
{
    if (side->array != NULL)
        return side->array->data + ((side->z + slice) * side->array->rows + side->y + row) * side->array->row_bytes + side->x;
    return side->linear + slice * side->pitch * side->height + row * side->pitch;
}

static int box_fits(const box_side *side, uint64_t width, uint64_t height, uint64_t depth)
{
    if (side->array == NULL)
        return side->linear != NULL;
    const mock_array *a = side->array;
    return side->x <= a->row_bytes && width <= a->row_bytes - side->x && side->y <= a->rows && height <= a->rows - side->y &&
           side->z <= a->slices && depth <= a->slices - side->z;
}

static int32_t copy_box(box_side dst, box_side src, uint64_t width, uint64_t height, uint64_t depth)
{
    if (width == 0 || height == 0 || depth == 0)
        return OK;
    if (!box_fits(&dst, width, height, depth) || !box_fits(&src, width, height, depth))
        return INVALID_VALUE;
    for (uint64_t slice = 0; slice < depth; slice++)
        for (uint64_t row = 0; row < height; row++)
            memmove(box_row(&dst, slice, row), box_row(&src, slice, row), width);
    return OK;
}

static unsigned char *device_box(uint64_t address, uint64_t pitch, uint64_t rows_per_slice, uint64_t width,
                                 uint64_t height, uint64_t depth)
{
    uint64_t extent = (depth - 1) * pitch * rows_per_slice + (height - 1) * pitch + width;
    return width == 0 || height == 0 || depth == 0 ? NULL : translate(address, extent);
}

static box_side in_array(uint64_t array, uint64_t x, uint64_t y, uint64_t z)
{
    return (box_side){find_array(array), x, y, z, NULL, 0, 0};
}

static box_side in_memory(void *memory, uint64_t pitch, uint64_t height)
{
    return (box_side){NULL, 0, 0, 0, memory, pitch, height};
}

EXPORT int32_t orion_memcpy_htoa(int32_t device, uint64_t dst_array, uint64_t dst_x, uint64_t dst_y, uint64_t dst_z,
                                 const void *src, uint64_t src_pitch, uint64_t src_height, uint64_t width,
                                 uint64_t height, uint64_t depth, uint64_t stream, int32_t async)
{
    box_side target = in_array(dst_array, dst_x, dst_y, dst_z);
    if (target.array == NULL)
        return INVALID_HANDLE;
    return copy_box(target, in_memory((void *)src, src_pitch, src_height), width, height, depth);
}

EXPORT int32_t orion_memcpy_atoh(int32_t device, void *dst, uint64_t dst_pitch, uint64_t dst_height, uint64_t src_array,
                                 uint64_t src_x, uint64_t src_y, uint64_t src_z, uint64_t width, uint64_t height,
                                 uint64_t depth, uint64_t stream, int32_t async)
{
    box_side source = in_array(src_array, src_x, src_y, src_z);
    if (source.array == NULL)
        return INVALID_HANDLE;
    return copy_box(in_memory(dst, dst_pitch, dst_height), source, width, height, depth);
}

EXPORT int32_t orion_memcpy_dtoa(int32_t device, uint64_t dst_array, uint64_t dst_x, uint64_t dst_y, uint64_t dst_z,
                                 uint64_t src, uint64_t src_pitch, uint64_t src_height, uint64_t width, uint64_t height,
                                 uint64_t depth, uint64_t stream, int32_t async)
{
    box_side target = in_array(dst_array, dst_x, dst_y, dst_z);
    if (target.array == NULL)
        return INVALID_HANDLE;
    unsigned char *source = device_box(src, src_pitch, src_height, width, height, depth);
    return copy_box(target, in_memory(source, src_pitch, src_height), width, height, depth);
}

EXPORT int32_t orion_memcpy_atod(int32_t device, uint64_t dst, uint64_t dst_pitch, uint64_t dst_height, uint64_t src_array,
                                 uint64_t src_x, uint64_t src_y, uint64_t src_z, uint64_t width, uint64_t height,
                                 uint64_t depth, uint64_t stream, int32_t async)
{
    box_side source = in_array(src_array, src_x, src_y, src_z);
    if (source.array == NULL)
        return INVALID_HANDLE;
    unsigned char *target = device_box(dst, dst_pitch, dst_height, width, height, depth);
    return copy_box(in_memory(target, dst_pitch, dst_height), source, width, height, depth);
}

EXPORT int32_t orion_memcpy_atoa(int32_t device, uint64_t dst_array, uint64_t dst_x, uint64_t dst_y, uint64_t dst_z,
                                 uint64_t src_array, uint64_t src_x, uint64_t src_y, uint64_t src_z, uint64_t width,
                                 uint64_t height, uint64_t depth, uint64_t stream, int32_t async)
{
    box_side target = in_array(dst_array, dst_x, dst_y, dst_z), source = in_array(src_array, src_x, src_y, src_z);
    if (target.array == NULL || source.array == NULL)
        return INVALID_HANDLE;
    return copy_box(target, source, width, height, depth);
}

EXPORT int32_t orion_texture_object_create(int32_t device, int32_t resource_type, uint64_t resource, int32_t format,
                                           int32_t channels, uint64_t width, uint64_t height, uint64_t pitch,
                                           const uint32_t *modes, const float *levels, uint64_t *texture_object)
{
    if (resource_type == 0 && find_array(resource) == NULL)
        return INVALID_HANDLE;
    /* Linear memory of width bytes, or height rows of width elements, pitch bytes apart. */
    uint64_t extent = resource_type == 3 ? (height - 1) * pitch + width * format_bytes(format) * (uint64_t)channels : width;
    if (resource_type != 0 && (extent == 0 || (height == 0 && resource_type == 3) || translate(resource, extent) == NULL))
        return INVALID_VALUE;
    *texture_object = next_object++;
    return OK;
}

EXPORT int32_t orion_texture_object_destroy(int32_t device, uint64_t texture_object)
{
    return texture_object >= 0x5000 && texture_object < next_object ? OK : INVALID_VALUE;
}

EXPORT int32_t orion_surface_object_create(int32_t device, uint64_t array, uint64_t *surface_object)
{
    mock_array *found = find_array(array);
    if (found == NULL)
        return INVALID_HANDLE;
    *surface_object = next_object++; /* with or without SURFACE_LDST, as driver 580 */
    return OK;
}

EXPORT int32_t orion_surface_object_destroy(int32_t device, uint64_t surface_object)
{
    return orion_texture_object_destroy(device, surface_object);
}

EXPORT int32_t orion_texture_1d_linear_max_width(int32_t device, int32_t format, int32_t channels, uint64_t *width)
{
    *width = 1u << 28;
    return format_bytes(format) != 0 ? OK : INVALID_VALUE;
}

/*
 * Stream capture and graphs: the mock device cannot capture or build graphs (graphs are tested
 * end to end against the emulated server, tests/Orion.CudartStub.Tests), so every creating call
 * answers cudaErrorNotSupported; a stream is truthfully never capturing.
 */
#define GRAPHS_NOT_SUPPORTED 801

EXPORT int32_t orion_stream_begin_capture(int32_t device, uint64_t stream, uint64_t *graph)
{
    *graph = 0;
    return GRAPHS_NOT_SUPPORTED;
}

EXPORT int32_t orion_stream_end_capture(int32_t device, uint64_t stream, uint64_t *graph)
{
    *graph = 0;
    return 401; /* CUDA_ERROR_ILLEGAL_STATE: the stream is not capturing */
}

EXPORT int32_t orion_stream_get_capture_info(int32_t device, uint64_t stream, int32_t *status, uint64_t *id, uint64_t *graph)
{
    *status = 0;
    *id = 0;
    *graph = 0;
    return OK;
}

EXPORT int32_t orion_stream_get_capture_dependencies(int32_t device, uint64_t stream, uint64_t *nodes, uint64_t capacity,
                                                     uint64_t *count)
{
    *count = 0;
    return 401;
}

EXPORT int32_t orion_graph_create(int32_t device, uint32_t flags, uint64_t *graph)
{
    *graph = 0;
    return GRAPHS_NOT_SUPPORTED;
}

EXPORT int32_t orion_graph_destroy(int32_t device, uint64_t graph) { return INVALID_HANDLE; }

EXPORT int32_t orion_graph_get_nodes(int32_t device, uint64_t graph, uint64_t *nodes, uint64_t capacity, uint64_t *count)
{
    *count = 0;
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_add_kernel_node(int32_t device, uint64_t graph, const uint64_t *dependencies,
                                           uint64_t dependency_count, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                           uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                           uint32_t shared_bytes, void **args, const void *packed, uint64_t packed_size,
                                           uint64_t *node)
{
    *node = 0;
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_add_memset_node(int32_t device, uint64_t graph, const uint64_t *dependencies,
                                           uint64_t dependency_count, uint64_t dst, uint64_t pitch, uint32_t value,
                                           int32_t element_bytes, uint64_t width, uint64_t height, uint64_t *node)
{
    *node = 0;
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_add_memcpy_node(int32_t device, uint64_t graph, const uint64_t *dependencies,
                                           uint64_t dependency_count, uint64_t dst, uint64_t dst_pitch, uint64_t src,
                                           uint64_t src_pitch, uint64_t width, uint64_t height, uint64_t *node)
{
    *node = 0;
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_add_empty_node(int32_t device, uint64_t graph, const uint64_t *dependencies,
                                          uint64_t dependency_count, uint64_t *node)
{
    *node = 0;
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_add_dependencies(int32_t device, uint64_t graph, const uint64_t *from, const uint64_t *to,
                                            uint64_t count)
{
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_node_get_type(int32_t device, uint64_t node, int32_t *type)
{
    *type = 0;
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_kernel_node_set_params(int32_t device, uint64_t node, uint64_t function, uint32_t grid_x,
                                                  uint32_t grid_y, uint32_t grid_z, uint32_t block_x, uint32_t block_y,
                                                  uint32_t block_z, uint32_t shared_bytes, void **args, const void *packed,
                                                  uint64_t packed_size)
{
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_instantiate(int32_t device, uint64_t graph, uint64_t flags, uint64_t *exec)
{
    *exec = 0;
    return INVALID_HANDLE;
}

EXPORT int32_t orion_graph_launch(int32_t device, uint64_t exec, uint64_t stream) { return INVALID_HANDLE; }
EXPORT int32_t orion_graph_upload(int32_t device, uint64_t exec, uint64_t stream) { return INVALID_HANDLE; }
EXPORT int32_t orion_graph_exec_destroy(int32_t device, uint64_t exec) { return INVALID_HANDLE; }

EXPORT int32_t orion_graph_exec_kernel_node_set_params(int32_t device, uint64_t exec, uint64_t node, uint64_t function,
                                                       uint32_t grid_x, uint32_t grid_y, uint32_t grid_z,
                                                       uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                                       uint32_t shared_bytes, void **args, const void *packed,
                                                       uint64_t packed_size)
{
    return INVALID_HANDLE;
}

/* NVML's view of the mock device: memory used is what this process allocated through the mock, and the readings
 * are recognisable fixed values; the fan answers not supported (3), as a passively cooled card's does. */
EXPORT int32_t orion_nvml_device_status(int32_t device, int32_t count, uint64_t *values, int32_t *statuses,
                                        uint8_t *uuid16, char *texts, int32_t texts_capacity)
{
    if (device != 0)
        return 101; /* invalid device */
    if (count < 0 || count > ORION_NVML_READINGS || texts == NULL || uuid16 == NULL ||
        texts_capacity < ORION_NVML_TEXTS * ORION_NVML_TEXT_BYTES)
        return INVALID_VALUE;
    uint64_t reading[ORION_NVML_READINGS];
    int32_t status[ORION_NVML_READINGS];
    for (int i = 0; i < ORION_NVML_READINGS; i++) {
        reading[i] = 0;
        status[i] = 0;
    }
    uint64_t used = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_ALLOCATIONS; i++)
        if (allocations[i].memory != NULL)
            used += allocations[i].size;
    pthread_mutex_unlock(&lock);
    reading[ORION_NVML_MEMORY_TOTAL] = 1ull << 30;
    reading[ORION_NVML_MEMORY_USED] = used;
    reading[ORION_NVML_SESSION_ACTIVE] = used > 0;
    reading[ORION_NVML_BAR1_TOTAL] = 256ull << 20;
    reading[ORION_NVML_PCI_DOMAIN] = 0;
    reading[ORION_NVML_PCI_BUS] = 0x0b;
    reading[ORION_NVML_PCI_DEVICE] = 0;
    reading[ORION_NVML_PCI_DEVICE_ID] = 0x233510de;
    reading[ORION_NVML_PCI_SUBSYSTEM_ID] = 0x18b010de;
    reading[ORION_NVML_BRAND] = 2;         /* NVML_BRAND_TESLA */
    reading[ORION_NVML_ARCHITECTURE] = 9;  /* NVML_DEVICE_ARCH_HOPPER */
    reading[ORION_NVML_COMPUTE_CAPABILITY_MAJOR] = 9;
    reading[ORION_NVML_COMPUTE_CAPABILITY_MINOR] = 0;
    reading[ORION_NVML_MINOR_NUMBER] = 3;
    reading[ORION_NVML_UTILIZATION_GPU] = 42;
    reading[ORION_NVML_UTILIZATION_MEMORY] = 17;
    reading[ORION_NVML_TEMPERATURE] = 35;
    reading[ORION_NVML_POWER_USAGE] = 75000;
    reading[ORION_NVML_ENFORCED_POWER_LIMIT] = 700000;
    reading[ORION_NVML_POWER_MANAGEMENT_LIMIT] = 700000;
    reading[ORION_NVML_PERFORMANCE_STATE] = 0;
    for (int clock = 0; clock < 4; clock++) {
        reading[ORION_NVML_CLOCK_GRAPHICS + clock] = 1000u + 100u * (unsigned)clock;
        reading[ORION_NVML_MAX_CLOCK_GRAPHICS + clock] = 2000u + 100u * (unsigned)clock;
    }
    reading[ORION_NVML_COMPUTE_MODE] = 0;
    reading[ORION_NVML_PERSISTENCE_MODE] = 1;
    reading[ORION_NVML_DISPLAY_MODE] = 0;
    reading[ORION_NVML_DISPLAY_ACTIVE] = 0;
    reading[ORION_NVML_MIG_MODE_CURRENT] = 0;
    reading[ORION_NVML_MIG_MODE_PENDING] = 0;
    status[ORION_NVML_FAN_SPEED] = 3;      /* NVML_ERROR_NOT_SUPPORTED */
    reading[ORION_NVML_CUDA_DRIVER_VERSION] = 13000;
    for (int i = 0; i < count; i++) {
        values[i] = reading[i];
        statuses[i] = status[i];
    }
    for (int i = 0; i < 16; i++)
        uuid16[i] = (uint8_t)(0xa0 + i);
    memset(texts, 0, (size_t)ORION_NVML_TEXTS * ORION_NVML_TEXT_BYTES);
    strcpy(texts + ORION_NVML_TEXT_NAME, "Orion mock device");
    strcpy(texts + ORION_NVML_TEXT_SERIAL, "MOCK-0001");
    strcpy(texts + ORION_NVML_TEXT_DRIVER_VERSION, "580.00.01-mock");
    strcpy(texts + ORION_NVML_TEXT_NVML_VERSION, "13.580.00.01-mock");
    return OK;
}

/*
 * Virtual memory management: a reservation hands out addresses, a physical allocation is a host buffer, and a
 * mapping puts it behind addresses of a reservation as an allocation entry, so copies reach it (a copy stays
 * within one mapping here; the emulated server's are contiguous across mappings).
 */
#define MOCK_GRANULARITY (2ull << 20)
#define MOCK_VMM_OBJECTS 256

typedef struct mock_reservation {
    uint64_t address, size;
} mock_reservation;

typedef struct mock_physical {
    uint64_t handle, size;
    unsigned char *memory;
    int references, mappings;
} mock_physical;

static mock_reservation reservations[MOCK_VMM_OBJECTS];
static mock_physical physicals[MOCK_VMM_OBJECTS];

static mock_physical *find_physical(uint64_t handle)
{
    for (int i = 0; i < MOCK_VMM_OBJECTS; i++)
        if (physicals[i].memory != NULL && physicals[i].handle == handle)
            return &physicals[i];
    return NULL;
}

static void drop_physical_if_unused(mock_physical *physical)
{
    if (physical->references == 0 && physical->mappings == 0) {
        free(physical->memory);
        physical->memory = NULL;
    }
}

static int32_t check_properties(int32_t allocation_type, int32_t handle_types)
{
    return allocation_type != 1 ? INVALID_VALUE : handle_types != 0 ? 801 : OK;
}

static allocation *find_mapping(uint64_t address)
{
    for (int i = 0; i < MAX_ALLOCATIONS; i++)
        if (allocations[i].memory != NULL && allocations[i].mapped != 0 && address >= allocations[i].address &&
            address - allocations[i].address < allocations[i].size)
            return &allocations[i];
    return NULL;
}

EXPORT int32_t orion_vmm_granularity(int32_t device, int32_t allocation_type, int32_t handle_types,
                                     int32_t granularity_kind, uint64_t *granularity)
{
    int32_t status = check_properties(allocation_type, handle_types);
    if (status == OK && (granularity_kind < 0 || granularity_kind > 1))
        status = INVALID_VALUE;
    *granularity = status == OK ? MOCK_GRANULARITY : 0;
    return status;
}

EXPORT int32_t orion_vmm_reserve(int32_t device, uint64_t size, uint64_t alignment, uint64_t address_hint,
                                 uint64_t *address)
{
    if (size == 0 || size % MOCK_GRANULARITY != 0 || (alignment & (alignment - 1)) != 0)
        return INVALID_VALUE;
    pthread_mutex_lock(&lock);
    int32_t status = 2;
    for (int i = 0; i < MOCK_VMM_OBJECTS; i++) {
        if (reservations[i].size == 0) {
            uint64_t unit = alignment > MOCK_GRANULARITY ? alignment : MOCK_GRANULARITY;
            uint64_t start = (next_address + unit - 1) & ~(unit - 1);
            reservations[i] = (mock_reservation){start, size};
            next_address = start + size + MOCK_GRANULARITY;
            *address = start;
            status = OK;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_free(int32_t device, uint64_t address, uint64_t size)
{
    pthread_mutex_lock(&lock);
    int32_t status = INVALID_VALUE;
    for (int i = 0; i < MOCK_VMM_OBJECTS; i++) {
        if (reservations[i].size != 0 && reservations[i].address == address && reservations[i].size == size) {
            status = OK;
            for (int j = 0; j < MAX_ALLOCATIONS; j++)
                if (allocations[j].memory != NULL && allocations[j].mapped != 0 && allocations[j].address >= address &&
                    allocations[j].address - address < size)
                    status = INVALID_VALUE; /* something is still mapped there */
            if (status == OK)
                reservations[i].size = 0;
        }
    }
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_create(int32_t device, uint64_t size, int32_t allocation_type, int32_t handle_types,
                                uint64_t *handle)
{
    int32_t status = check_properties(allocation_type, handle_types);
    if (status != OK)
        return status;
    if (size == 0 || size % MOCK_GRANULARITY != 0)
        return INVALID_VALUE;
    if (size > (1ull << 30))
        return 2;
    pthread_mutex_lock(&lock);
    status = 2;
    for (int i = 0; i < MOCK_VMM_OBJECTS; i++) {
        if (physicals[i].memory == NULL) {
            physicals[i] = (mock_physical){next_handle++, size, calloc(1, size), 1, 0};
            status = physicals[i].memory != NULL ? OK : 2;
            *handle = physicals[i].handle;
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_release(int32_t device, uint64_t handle)
{
    pthread_mutex_lock(&lock);
    mock_physical *physical = find_physical(handle);
    int32_t status = physical != NULL && physical->references > 0 ? OK : INVALID_HANDLE;
    if (status == OK) {
        physical->references--;
        drop_physical_if_unused(physical);
    }
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_map(int32_t device, uint64_t address, uint64_t size, uint64_t offset, uint64_t handle)
{
    pthread_mutex_lock(&lock);
    mock_physical *physical = find_physical(handle);
    int32_t status = physical != NULL && physical->references > 0 ? OK : INVALID_HANDLE;
    if (status == OK && (offset != 0 || size == 0 || size > physical->size || size % MOCK_GRANULARITY != 0 ||
                         address % MOCK_GRANULARITY != 0))
        status = INVALID_VALUE;
    int reserved = 0;
    for (int i = 0; status == OK && i < MOCK_VMM_OBJECTS; i++)
        if (reservations[i].size != 0 && address >= reservations[i].address &&
            address - reservations[i].address <= reservations[i].size - size)
            reserved = 1;
    if (status == OK && (!reserved || translate(address, 1) != NULL || translate(address + size - 1, 1) != NULL))
        status = INVALID_VALUE;
    if (status == OK) {
        status = 2;
        for (int i = 0; i < MAX_ALLOCATIONS; i++) {
            if (allocations[i].memory == NULL) {
                allocations[i] = (allocation){address, size, physical->memory, handle};
                physical->mappings++;
                status = OK;
                break;
            }
        }
    }
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_unmap(int32_t device, uint64_t address, uint64_t size)
{
    pthread_mutex_lock(&lock);
    allocation *mapping = find_mapping(address);
    int32_t status = mapping != NULL && mapping->address == address && mapping->size == size ? OK : INVALID_VALUE;
    if (status == OK) {
        mock_physical *physical = find_physical(mapping->mapped);
        mapping->memory = NULL;
        mapping->mapped = 0;
        if (physical != NULL) {
            physical->mappings--;
            drop_physical_if_unused(physical);
        }
    }
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_set_access(int32_t device, uint64_t address, uint64_t size, uint32_t flags)
{
    pthread_mutex_lock(&lock);
    allocation *mapping = find_mapping(address);
    int32_t status = mapping != NULL && mapping->address == address && (flags == 0 || flags == 1 || flags == 3)
                         ? OK
                         : INVALID_VALUE;
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_get_access(int32_t device, uint64_t address, uint32_t *flags)
{
    pthread_mutex_lock(&lock);
    int32_t status = find_mapping(address) != NULL ? OK : INVALID_VALUE;
    *flags = status == OK ? 3 : 0;
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_retain(int32_t device, uint64_t address, uint64_t *handle)
{
    pthread_mutex_lock(&lock);
    allocation *mapping = find_mapping(address);
    mock_physical *physical = mapping != NULL ? find_physical(mapping->mapped) : NULL;
    int32_t status = physical != NULL ? OK : INVALID_VALUE;
    if (status == OK) {
        physical->references++;
        *handle = physical->handle;
    }
    pthread_mutex_unlock(&lock);
    return status;
}

EXPORT int32_t orion_vmm_properties(int32_t device, uint64_t handle, uint64_t *size, int32_t *allocation_type,
                                    int32_t *handle_types)
{
    pthread_mutex_lock(&lock);
    mock_physical *physical = find_physical(handle);
    int32_t status = physical != NULL && physical->references > 0 ? OK : INVALID_HANDLE;
    if (status == OK) {
        *size = physical->size;
        *allocation_type = 1;
        *handle_types = 0;
    }
    pthread_mutex_unlock(&lock);
    return status;
}
