/*
 * Registration of the device code nvcc embeds in a program: fat binaries, their kernels and
 * their __device__/__constant__ variables. Nothing goes to the server here (these run from
 * static constructors); a module is loaded on a device the first time one of its kernels or
 * variables is used there.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stub_internal.h"

/* A fat binary larger than this is refused rather than sent (a corrupted header, most likely). */
#define STUB_MAX_FATBIN_BYTES (1ull << 30)

struct stub_module {
    const void *image;
    uint64_t image_size;
    int usable; /* 0 when the wrapper was not one we can load; its kernels then fail clearly */
    pthread_mutex_t lock;
    uint64_t remote[STUB_MAX_DEVICES];
};

/* Open-addressing hash tables keyed by host address, guarded by one reader-writer lock. */
typedef struct pointer_table {
    const void **keys;
    void **values;
    size_t capacity; /* power of two, or 0 */
    size_t count;
} pointer_table;

static pthread_rwlock_t registry_lock = PTHREAD_RWLOCK_INITIALIZER;
static pointer_table functions_by_host;
static pointer_table variables_by_host;
/* The same functions keyed by their record, which is what a cudaKernel_t points at: CUDA lets
 * cudaLaunchKernel and friends take a kernel handle where they take a host function. */
static pointer_table functions_by_record;

static size_t hash_pointer(const void *key)
{
    uint64_t value = (uint64_t)(uintptr_t)key;
    value ^= value >> 33;
    value *= 0xff51afd7ed558ccdull;
    value ^= value >> 33;
    return (size_t)value;
}

static void *table_find(const pointer_table *table, const void *key)
{
    if (table->capacity == 0 || key == NULL)
        return NULL;
    size_t mask = table->capacity - 1;
    for (size_t slot = hash_pointer(key) & mask;; slot = (slot + 1) & mask) {
        if (table->keys[slot] == key)
            return table->values[slot];
        if (table->keys[slot] == NULL)
            return NULL;
    }
}

static void table_put_unchecked(pointer_table *table, const void *key, void *value)
{
    size_t mask = table->capacity - 1;
    size_t slot = hash_pointer(key) & mask;
    while (table->keys[slot] != NULL && table->keys[slot] != key)
        slot = (slot + 1) & mask;
    if (table->keys[slot] == NULL)
        table->count++;
    table->keys[slot] = key;
    table->values[slot] = value;
}

static int table_put(pointer_table *table, const void *key, void *value)
{
    if ((table->count + 1) * 2 > table->capacity) {
        pointer_table grown = {0};
        grown.capacity = table->capacity == 0 ? 64 : table->capacity * 2;
        grown.keys = calloc(grown.capacity, sizeof *grown.keys);
        grown.values = calloc(grown.capacity, sizeof *grown.values);
        if (grown.keys == NULL || grown.values == NULL) {
            free(grown.keys);
            free(grown.values);
            return 0;
        }
        for (size_t i = 0; i < table->capacity; i++)
            if (table->keys[i] != NULL)
                table_put_unchecked(&grown, table->keys[i], table->values[i]);
        free(table->keys);
        free(table->values);
        *table = grown;
    }
    table_put_unchecked(table, key, value);
    return 1;
}

/* Removes every entry whose value belongs to the module (linear probing needs a rebuild). */
static void table_remove_module(pointer_table *table, const stub_module *module, int functions)
{
    pointer_table kept = {0};
    kept.capacity = table->capacity;
    if (kept.capacity == 0)
        return;
    kept.keys = calloc(kept.capacity, sizeof *kept.keys);
    kept.values = calloc(kept.capacity, sizeof *kept.values);
    if (kept.keys == NULL || kept.values == NULL) {
        free(kept.keys);
        free(kept.values);
        return; /* keep the stale entries rather than lose live ones */
    }
    for (size_t i = 0; i < table->capacity; i++) {
        if (table->keys[i] == NULL)
            continue;
        const stub_module *owner = functions ? ((stub_function *)table->values[i])->module
                                             : ((stub_variable *)table->values[i])->module;
        if (owner == module) {
            if (functions) {
                stub_function *function = table->values[i];
                function->magic = 0;
                free(function->device_name);
                free(function);
            } else {
                stub_variable *variable = table->values[i];
                free(variable->device_name);
                free(variable);
            }
            continue;
        }
        table_put_unchecked(&kept, table->keys[i], table->values[i]);
    }
    free(table->keys);
    free(table->values);
    *table = kept;
}

static void inspect_wrapper(stub_module *module, const void *wrapper_pointer)
{
    const orion_fatbin_wrapper *wrapper = wrapper_pointer;
    if (wrapper == NULL || (uint32_t)wrapper->magic != ORION_FATBINC_MAGIC) {
        stub_log(STUB_LOG_ERROR, "__cudaRegisterFatBinary: not a fat binary wrapper (bad magic)");
        return;
    }
    if (wrapper->version != ORION_FATBINC_VERSION) {
        stub_log(STUB_LOG_ERROR,
                 "__cudaRegisterFatBinary: wrapper version %d (relocatable device code, -rdc) is not supported",
                 wrapper->version);
        return;
    }
    const orion_fatbin_header *header = (const orion_fatbin_header *)wrapper->data;
    if (header == NULL || header->magic != ORION_FATBIN_MAGIC) {
        stub_log(STUB_LOG_ERROR, "__cudaRegisterFatBinary: fat binary image has a bad magic");
        return;
    }
    uint64_t size = (uint64_t)header->header_size + header->payload_size;
    if (header->header_size < sizeof *header || size > STUB_MAX_FATBIN_BYTES) {
        stub_log(STUB_LOG_ERROR, "__cudaRegisterFatBinary: implausible fat binary size %llu",
                 (unsigned long long)size);
        return;
    }
    module->image = header;
    module->image_size = size;
    module->usable = 1;
}

/* Caller holds registry_lock for writing. On allocation failure the table is emptied: a handle
 * that is not found gives a clear error, a stale one would point at freed memory. */
static void rebuild_records_locked(void)
{
    pointer_table rebuilt = {0};
    rebuilt.capacity = functions_by_host.capacity;
    if (rebuilt.capacity != 0) {
        rebuilt.keys = calloc(rebuilt.capacity, sizeof *rebuilt.keys);
        rebuilt.values = calloc(rebuilt.capacity, sizeof *rebuilt.values);
        if (rebuilt.keys == NULL || rebuilt.values == NULL) {
            free(rebuilt.keys);
            free(rebuilt.values);
            rebuilt = (pointer_table){0};
        } else {
            for (size_t i = 0; i < functions_by_host.capacity; i++)
                if (functions_by_host.keys[i] != NULL)
                    table_put_unchecked(&rebuilt, functions_by_host.values[i], functions_by_host.values[i]);
        }
    }
    free(functions_by_record.keys);
    free(functions_by_record.values);
    functions_by_record = rebuilt;
}

STUB_API void **__cudaRegisterFatBinary(void *fat_cubin)
{
    stub_module *module = calloc(1, sizeof *module);
    if (module == NULL) {
        stub_log(STUB_LOG_ERROR, "__cudaRegisterFatBinary: out of memory");
        return NULL;
    }
    pthread_mutex_init(&module->lock, NULL);
    inspect_wrapper(module, fat_cubin);
    return (void **)module;
}

STUB_API void __cudaRegisterFatBinaryEnd(void **handle) { (void)handle; }

STUB_API char __cudaInitModule(void **handle)
{
    /* Modules load lazily; report whether this one can be loaded at all. */
    const stub_module *module = (const stub_module *)handle;
    return (char)(module != NULL && module->usable);
}

STUB_API void __cudaUnregisterFatBinary(void **handle)
{
    stub_module *module = (stub_module *)handle;
    if (module == NULL)
        return;
    /* Remote modules are not unloaded one by one: this runs at exit, and the server frees
     * everything of the session when the connection closes. */
    pthread_rwlock_wrlock(&registry_lock);
    table_remove_module(&functions_by_host, module, 1);
    rebuild_records_locked();
    table_remove_module(&variables_by_host, module, 0);
    pthread_rwlock_unlock(&registry_lock);
    pthread_mutex_destroy(&module->lock);
    free(module);
}

STUB_API void __cudaRegisterFunction(void **handle, const char *host_function, char *device_function,
                                     const char *device_name, int thread_limit, uint3 *tid, uint3 *bid,
                                     dim3 *block_dim, dim3 *grid_dim, int *warp_size)
{
    (void)device_function, (void)thread_limit, (void)tid, (void)bid, (void)block_dim, (void)grid_dim,
        (void)warp_size;
    if (handle == NULL || host_function == NULL || device_name == NULL)
        return;
    stub_function *function = calloc(1, sizeof *function);
    char *name = strdup(device_name);
    if (function == NULL || name == NULL) {
        free(function);
        free(name);
        stub_log(STUB_LOG_ERROR, "__cudaRegisterFunction: out of memory");
        return;
    }
    function->magic = STUB_FUNCTION_MAGIC;
    for (int device = 0; device < STUB_MAX_DEVICES; device++)
        function->dynamic_shared_limit[device] = -1;
    function->module = (stub_module *)handle;
    function->host_function = host_function;
    function->device_name = name;
    pthread_rwlock_wrlock(&registry_lock);
    int stored = table_put(&functions_by_host, host_function, function);
    if (stored && !table_put(&functions_by_record, function, function))
        stub_log(STUB_LOG_WARN, "__cudaRegisterFunction: out of memory; the kernel handle of %s is unusable",
                 device_name);
    pthread_rwlock_unlock(&registry_lock);
    if (!stored) {
        free(name);
        free(function);
        stub_log(STUB_LOG_ERROR, "__cudaRegisterFunction: out of memory");
    }
}

STUB_API void __cudaRegisterVar(void **handle, char *host_variable, char *device_address, const char *device_name,
                                int ext, size_t size, int constant, int global)
{
    (void)device_address, (void)ext, (void)constant, (void)global;
    if (handle == NULL || host_variable == NULL || device_name == NULL)
        return;
    stub_variable *variable = calloc(1, sizeof *variable);
    char *name = strdup(device_name);
    if (variable == NULL || name == NULL) {
        free(variable);
        free(name);
        stub_log(STUB_LOG_ERROR, "__cudaRegisterVar: out of memory");
        return;
    }
    variable->module = (stub_module *)handle;
    variable->host_variable = host_variable;
    variable->device_name = name;
    variable->size = size;
    pthread_rwlock_wrlock(&registry_lock);
    int stored = table_put(&variables_by_host, host_variable, variable);
    pthread_rwlock_unlock(&registry_lock);
    if (!stored) {
        free(name);
        free(variable);
        stub_log(STUB_LOG_ERROR, "__cudaRegisterVar: out of memory");
    }
}

void stub_registry_forget_device(int device)
{
    if (device < 0 || device >= STUB_MAX_DEVICES)
        return;
    pthread_rwlock_rdlock(&registry_lock);
    for (size_t i = 0; i < functions_by_host.capacity; i++) {
        stub_function *function = functions_by_host.values[i];
        if (functions_by_host.keys[i] == NULL)
            continue;
        __atomic_store_n(&function->remote[device], 0, __ATOMIC_RELEASE);
        __atomic_store_n(&function->dynamic_shared_limit[device], -1, __ATOMIC_RELAXED);
        pthread_mutex_lock(&function->module->lock);
        function->module->remote[device] = 0;
        pthread_mutex_unlock(&function->module->lock);
    }
    for (size_t i = 0; i < variables_by_host.capacity; i++) {
        stub_variable *variable = variables_by_host.values[i];
        if (variables_by_host.keys[i] == NULL)
            continue;
        __atomic_store_n(&variable->remote_address[device], 0, __ATOMIC_RELEASE);
        pthread_mutex_lock(&variable->module->lock);
        variable->module->remote[device] = 0;
        pthread_mutex_unlock(&variable->module->lock);
    }
    pthread_rwlock_unlock(&registry_lock);
}

stub_function *stub_find_function(const void *host_function)
{
    pthread_rwlock_rdlock(&registry_lock);
    stub_function *function = table_find(&functions_by_host, host_function);
    if (function == NULL)
        function = table_find(&functions_by_record, host_function);
    pthread_rwlock_unlock(&registry_lock);
    return function;
}

stub_variable *stub_find_variable(const void *host_variable)
{
    pthread_rwlock_rdlock(&registry_lock);
    stub_variable *variable = table_find(&variables_by_host, host_variable);
    pthread_rwlock_unlock(&registry_lock);
    return variable;
}

/* Caller holds module->lock. */
static cudaError_t load_module_locked(stub_module *module, int device, uint64_t *remote)
{
    if (module->remote[device] != 0) {
        *remote = module->remote[device];
        return cudaSuccess;
    }
    if (!module->usable)
        return cudaErrorInvalidKernelImage;
    uint64_t handle = 0;
    cudaError_t error =
        (cudaError_t)stub_client.orion_module_load(device, module->image, module->image_size, &handle);
    if (error != cudaSuccess)
        return error;
    module->remote[device] = handle;
    *remote = handle;
    return cudaSuccess;
}

cudaError_t stub_resolve_function(stub_function *function, int device, uint64_t *remote)
{
    if (device < 0 || device >= STUB_MAX_DEVICES)
        return cudaErrorInvalidDevice;
    uint64_t cached = __atomic_load_n(&function->remote[device], __ATOMIC_ACQUIRE);
    if (cached != 0) {
        *remote = cached;
        return cudaSuccess;
    }
    stub_module *module = function->module;
    pthread_mutex_lock(&module->lock);
    uint64_t module_handle = 0;
    cudaError_t error = load_module_locked(module, device, &module_handle);
    uint64_t handle = 0;
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_module_get_function(device, module_handle, function->device_name,
                                                                   &handle);
    if (error == cudaSuccess)
        __atomic_store_n(&function->remote[device], handle, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&module->lock);
    if (error == cudaErrorSymbolNotFound)
        error = cudaErrorInvalidDeviceFunction;
    *remote = handle;
    return error;
}

cudaError_t stub_resolve_variable(stub_variable *variable, int device, uint64_t *address)
{
    if (device < 0 || device >= STUB_MAX_DEVICES)
        return cudaErrorInvalidDevice;
    uint64_t cached = __atomic_load_n(&variable->remote_address[device], __ATOMIC_ACQUIRE);
    if (cached != 0) {
        *address = cached;
        return cudaSuccess;
    }
    stub_module *module = variable->module;
    pthread_mutex_lock(&module->lock);
    uint64_t module_handle = 0, remote = 0, size = 0;
    cudaError_t error = load_module_locked(module, device, &module_handle);
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_module_get_global(device, module_handle, variable->device_name,
                                                                 &remote, &size);
    if (error == cudaSuccess)
        __atomic_store_n(&variable->remote_address[device], remote, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&module->lock);
    if (error != cudaSuccess)
        return error == cudaErrorSymbolNotFound ? cudaErrorInvalidSymbol : error;
    *address = remote;
    return cudaSuccess;
}
