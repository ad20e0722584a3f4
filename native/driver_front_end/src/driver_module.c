/*
 * Modules, libraries, functions and kernels. A module lives on one device (the current
 * context's when it was loaded). A library is context-independent: its image is kept on the
 * client and loaded on a device the first time one of its kernels, modules or globals is
 * needed there; a kernel resolves to one function per device the same way.
 *
 * Records are never freed, only marked dead, so that a stale handle is refused with
 * CUDA_ERROR_INVALID_HANDLE instead of being read after free.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "driver_handles.h"
#include "driver_image.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

#define LIBRARY_BINARY_IS_PRESERVED 1 /* CUlibraryOption */
#define LIBRARY_HOST_UNIVERSAL_TABLE 0

static CUresult read_module_file(const char *path, void **image);

static int live(const void *record, uint64_t magic)
{
    return record != NULL && __atomic_load_n((const uint64_t *)record, __ATOMIC_ACQUIRE) == magic;
}

static CUresult load_module(int device, const void *image, struct driver_library *library, struct driver_module **out)
{
    uint64_t size = 0;
    const void *extent = driver_image_extent(image, &size);
    if (extent == NULL || size == 0)
        return CUDA_ERROR_INVALID_IMAGE;
    uint64_t remote = 0;
    CUresult result = driver_result(driver_client.orion_module_load(device, extent, size, &remote));
    if (result != CUDA_SUCCESS)
        return result;
    struct driver_module *module = calloc(1, sizeof *module);
    if (module == NULL) {
        driver_client.orion_module_unload(device, remote);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    *module = (struct driver_module){DRIVER_MODULE_MAGIC, device, remote, library, NULL};
    *out = module;
    return CUDA_SUCCESS;
}

static CUresult module_load_data(CUmodule *module, const void *image)
{
    int device;
    if (module == NULL || image == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    return result != CUDA_SUCCESS ? result : load_module(device, image, NULL, module);
}

DRIVER_API CUresult cuModuleLoadData(CUmodule *module, const void *image) { return module_load_data(module, image); }
DRIVER_API CUresult cuModuleLoadFatBinary(CUmodule *module, const void *image) { return module_load_data(module, image); }

/* The module is loaded on the server from the image's bytes, so the copy read here is not kept. */
DRIVER_API CUresult cuModuleLoad(CUmodule *module, const char *path)
{
    void *image = NULL;
    if (module == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = read_module_file(path, &image);
    if (result == CUDA_SUCCESS)
        result = module_load_data(module, image);
    free(image);
    return result;
}

/* JIT options only tune or report on compilation of PTX, which the server does; reports (log
 * buffers) come back empty: each buffer gets a terminating NUL and its size reads 0. */
static void clear_jit_reports(unsigned int count, const int *options, void **values)
{
    enum { INFO_BUFFER = 3, INFO_SIZE = 4, ERROR_BUFFER = 5, ERROR_SIZE = 6 }; /* CUjit_option */
    for (unsigned int i = 0; options != NULL && values != NULL && i < count; i++) {
        int size_option = options[i] == INFO_BUFFER ? INFO_SIZE : options[i] == ERROR_BUFFER ? ERROR_SIZE : -1;
        for (unsigned int j = 0; size_option >= 0 && j < count; j++)
            if (options[j] == size_option && (uintptr_t)values[j] > 0 && values[i] != NULL)
                *(char *)values[i] = '\0';
    }
    for (unsigned int i = 0; options != NULL && values != NULL && i < count; i++)
        if (options[i] == INFO_SIZE || options[i] == ERROR_SIZE)
            values[i] = (void *)(uintptr_t)0;
}

DRIVER_API CUresult cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int count, int *options,
                                       void **values)
{
    CUresult result = module_load_data(module, image);
    clear_jit_reports(count, options, values);
    return result;
}

DRIVER_API CUresult cuModuleUnload(CUmodule module)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live(module, DRIVER_MODULE_MAGIC) || module->library != NULL)
        return CUDA_ERROR_INVALID_HANDLE;
    result = driver_result(driver_client.orion_module_unload(module->device, module->remote));
    if (result == CUDA_SUCCESS)
        __atomic_store_n(&module->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    return result;
}

/* The module's function of that name looked up before, or NULL. Caller holds the lock. */
static struct driver_function *find_function(struct driver_module *module, const char *name)
{
    struct driver_function *function = module->functions;
    while (function != NULL && strcmp(function->name, name) != 0)
        function = function->next;
    return function;
}

/* The module's function of that name: the one handle looked up before, or a new one from the server.
 * The server is asked without the lock held; a lookup that lost a race gives way to the winner's. */
static CUresult get_function(struct driver_module *module, const char *name, struct driver_function **out)
{
    pthread_mutex_lock(&lock);
    *out = find_function(module, name);
    pthread_mutex_unlock(&lock);
    if (*out != NULL)
        return CUDA_SUCCESS;
    uint64_t remote = 0;
    CUresult result = driver_result(driver_client.orion_module_get_function(module->device, module->remote, name, &remote));
    if (result != CUDA_SUCCESS)
        return result == CUDA_ERROR_INVALID_VALUE ? CUDA_ERROR_NOT_FOUND : result;
    struct driver_function *function = calloc(1, sizeof *function);
    char *copy = strdup(name);
    if (function == NULL || copy == NULL) {
        free(function);
        free(copy);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    *function = (struct driver_function){DRIVER_FUNCTION_MAGIC, module->device, remote, module, copy, -1, NULL, {0}};
    pthread_mutex_lock(&lock);
    *out = find_function(module, name);
    if (*out == NULL) {
        function->next = module->functions;
        module->functions = function;
        *out = function;
        function = NULL;
    }
    pthread_mutex_unlock(&lock);
    if (function != NULL) {
        free(function->name);
        free(function);
    }
    return CUDA_SUCCESS;
}

CUresult driver_module_each_function(CUmodule module, void (*visit)(void *data, CUfunction function, const char *name),
                                     void *data)
{
    if (visit == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live(module, DRIVER_MODULE_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    /* Most modules' names fit the first buffer; the client says how much a longer list needs. */
    uint64_t capacity = 64 * 1024, needed = 0;
    char *names = malloc(capacity);
    if (names == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    result = driver_result(driver_client.orion_module_function_names(module->device, module->remote, names, capacity, &needed));
    if (result == CUDA_ERROR_INVALID_VALUE && needed > capacity) {
        char *larger = realloc(names, needed);
        if (larger == NULL) {
            free(names);
            return CUDA_ERROR_OUT_OF_MEMORY;
        }
        names = larger, capacity = needed;
        result = driver_result(
            driver_client.orion_module_function_names(module->device, module->remote, names, capacity, &needed));
    }
    for (char *name = names, *end; result == CUDA_SUCCESS && *name != '\0'; name = end) {
        end = name + strcspn(name, "\n");
        int last = *end == '\0';
        *end = '\0';
        struct driver_function *function;
        result = get_function(module, name, &function);
        if (result == CUDA_SUCCESS)
            visit(data, (CUfunction)function, function->name);
        end += !last;
    }
    free(names);
    return result;
}

DRIVER_API CUresult cuModuleGetFunction(CUfunction *function, CUmodule module, const char *name)
{
    if (function == NULL || name == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live(module, DRIVER_MODULE_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    return get_function(module, name, function);
}

static CUresult get_global(struct driver_module *module, const char *name, CUdeviceptr *address, size_t *bytes)
{
    uint64_t remote_address = 0, remote_bytes = 0;
    CUresult result = driver_result(
        driver_client.orion_module_get_global(module->device, module->remote, name, &remote_address, &remote_bytes));
    if (result != CUDA_SUCCESS)
        return result == CUDA_ERROR_INVALID_VALUE ? CUDA_ERROR_NOT_FOUND : result;
    /* A global is device memory too: unified copies and pointer queries must know it. */
    driver_range known;
    if (!driver_ranges_find(remote_address, &known))
        driver_ranges_add(remote_address, remote_bytes, CU_MEMORYTYPE_DEVICE, module->device, 0);
    if (address != NULL)
        *address = remote_address;
    if (bytes != NULL)
        *bytes = remote_bytes;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuModuleGetGlobal_v2(CUdeviceptr *address, size_t *bytes, CUmodule module, const char *name)
{
    if (name == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live(module, DRIVER_MODULE_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    return get_global(module, name, address, bytes);
}

/* The loading mode Orion's driver follows for libraries: loaded on a device when first used. */
DRIVER_API CUresult cuModuleGetLoadingMode(int *mode)
{
    if (mode == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    *mode = CU_MODULE_LAZY_LOADING;
    return CUDA_SUCCESS;
}

/* Libraries. */

/* A library over code; file_copy, when not NULL, is a copy of the image read from a file that the
 * library now owns (freed here on failure). */
static CUresult library_load(CUlibrary *library, const void *code, void *file_copy, int *jit_options,
                             void **jit_values, unsigned int jit_count, int *library_options,
                             void **library_values, unsigned int library_count)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS) {
        free(file_copy);
        return result;
    }
    int preserved = file_copy != NULL;
    for (unsigned int i = 0; library_options != NULL && i < library_count; i++) {
        if (library_options[i] == LIBRARY_BINARY_IS_PRESERVED)
            preserved = file_copy != NULL || (library_values != NULL && library_values[i] != NULL);
        else if (library_options[i] == LIBRARY_HOST_UNIVERSAL_TABLE) {
            free(file_copy);
            DRIVER_NOT_SUPPORTED("cuLibraryLoadData with CU_LIBRARY_HOST_UNIVERSAL_FUNCTION_AND_DATA_TABLE");
        } else {
            free(file_copy);
            return CUDA_ERROR_INVALID_VALUE;
        }
    }
    clear_jit_reports(jit_count, jit_options, jit_values);
    uint64_t size = 0;
    const void *image = driver_image_extent(code, &size);
    struct driver_library *record = image != NULL && size != 0 ? calloc(1, sizeof *record) : NULL;
    if (record == NULL) {
        free(file_copy);
        return image == NULL || size == 0 ? CUDA_ERROR_INVALID_IMAGE : CUDA_ERROR_OUT_OF_MEMORY;
    }
    record->owned_copy = file_copy;
    if (!preserved) {
        /* The caller may free its image once this returns, but the image is loaded later. */
        record->owned_copy = malloc(size);
        if (record->owned_copy == NULL) {
            free(record);
            return CUDA_ERROR_OUT_OF_MEMORY;
        }
        memcpy(record->owned_copy, image, size);
        image = record->owned_copy;
    }
    record->image = image;
    record->image_size = size;
    __atomic_store_n(&record->magic, DRIVER_LIBRARY_MAGIC, __ATOMIC_RELEASE);
    *library = record;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuLibraryLoadData(CUlibrary *library, const void *code, int *jit_options, void **jit_values,
                                      unsigned int jit_count, int *library_options, void **library_values,
                                      unsigned int library_count)
{
    if (library == NULL || code == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return library_load(library, code, NULL, jit_options, jit_values, jit_count, library_options, library_values,
                        library_count);
}

/* The module file at path, read whole (the client sends images, never paths: the server cannot see
 * the client's files). */
static CUresult read_module_file(const char *path, void **image)
{
    uint64_t size = 0;
    if (path == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    switch (driver_image_read_file(path, image, &size)) {
    case DRIVER_IMAGE_FILE_READ: return CUDA_SUCCESS;
    case DRIVER_IMAGE_FILE_NOT_FOUND: return CUDA_ERROR_FILE_NOT_FOUND;
    case DRIVER_IMAGE_FILE_NO_MEMORY: return CUDA_ERROR_OUT_OF_MEMORY;
    default: return CUDA_ERROR_INVALID_IMAGE;
    }
}

DRIVER_API CUresult cuLibraryLoadFromFile(CUlibrary *library, const char *path, int *jit_options, void **jit_values,
                                          unsigned int jit_count, int *library_options, void **library_values,
                                          unsigned int library_count)
{
    void *image = NULL;
    if (library == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = read_module_file(path, &image);
    if (result != CUDA_SUCCESS)
        return result;
    return library_load(library, image, image, jit_options, jit_values, jit_count, library_options, library_values,
                        library_count);
}

/* The library's module on device, loading it there on first use. */
static CUresult library_module(struct driver_library *library, int device, struct driver_module **module)
{
    pthread_mutex_lock(&lock);
    CUresult result = CUDA_SUCCESS;
    if (!live(library, DRIVER_LIBRARY_MAGIC))
        result = CUDA_ERROR_INVALID_HANDLE; /* unloaded meanwhile: its image may be gone */
    else if (library->modules[device] == NULL)
        result = load_module(device, library->image, library, &library->modules[device]);
    *module = library->modules[device];
    pthread_mutex_unlock(&lock);
    return result;
}

DRIVER_API CUresult cuLibraryUnload(CUlibrary library)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    /* Marked dead and detached under the lock, so no load or lookup can use the image or its
     * modules once this returns; the server unloads happen outside it. */
    struct driver_module *modules[DRIVER_MAX_DEVICES];
    pthread_mutex_lock(&lock);
    if (!live(library, DRIVER_LIBRARY_MAGIC)) {
        pthread_mutex_unlock(&lock);
        return CUDA_ERROR_INVALID_HANDLE;
    }
    __atomic_store_n(&library->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    memcpy(modules, library->modules, sizeof modules);
    memset(library->modules, 0, sizeof library->modules);
    void *owned = library->owned_copy;
    library->owned_copy = NULL;
    pthread_mutex_unlock(&lock);
    for (int device = 0; device < DRIVER_MAX_DEVICES; device++) {
        struct driver_module *module = modules[device];
        if (module != NULL) {
            __atomic_store_n(&module->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
            CUresult unloaded = driver_result(driver_client.orion_module_unload(device, module->remote));
            if (result == CUDA_SUCCESS)
                result = unloaded;
        }
    }
    free(owned);
    return result;
}

DRIVER_API CUresult cuLibraryGetModule(CUmodule *module, CUlibrary library)
{
    int device;
    if (module == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    if (!live(library, DRIVER_LIBRARY_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    return library_module(library, device, module);
}

DRIVER_API CUresult cuLibraryGetGlobal(CUdeviceptr *address, size_t *bytes, CUlibrary library, const char *name)
{
    int device;
    struct driver_module *module;
    if (name == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    if (!live(library, DRIVER_LIBRARY_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    result = library_module(library, device, &module);
    return result != CUDA_SUCCESS ? result : get_global(module, name, address, bytes);
}

/* The kernel's function on device, resolving it there on first use. */
static CUresult kernel_function(struct driver_kernel *kernel, int device, struct driver_function **function)
{
    struct driver_module *module;
    CUresult result = library_module(kernel->library, device, &module);
    if (result != CUDA_SUCCESS)
        return result;
    struct driver_function *found = __atomic_load_n(&kernel->functions[device], __ATOMIC_ACQUIRE);
    if (found == NULL && (result = get_function(module, kernel->name, &found)) == CUDA_SUCCESS)
        __atomic_store_n(&kernel->functions[device], found, __ATOMIC_RELEASE); /* the module's one handle */
    *function = found;
    return result;
}

/* The library's kernel of that name looked up before, or NULL. Caller holds the lock. */
static struct driver_kernel *find_kernel(struct driver_library *library, const char *name)
{
    struct driver_kernel *kernel = library->kernels;
    while (kernel != NULL && strcmp(kernel->name, name) != 0)
        kernel = kernel->next;
    return kernel;
}

DRIVER_API CUresult cuLibraryGetKernel(CUkernel *kernel, CUlibrary library, const char *name)
{
    if (kernel == NULL || name == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live(library, DRIVER_LIBRARY_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    /* A name gives one kernel handle, as with NVIDIA's driver (attributes set through one are the kernel's). */
    pthread_mutex_lock(&lock);
    struct driver_kernel *known = find_kernel(library, name);
    pthread_mutex_unlock(&lock);
    if (known != NULL) {
        *kernel = known;
        return CUDA_SUCCESS;
    }
    struct driver_kernel *record = calloc(1, sizeof *record);
    char *copy = strdup(name);
    if (record == NULL || copy == NULL) {
        free(record);
        free(copy);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    record->library = library;
    record->name = copy;
    /* With a current context, the name is checked now (CUDA_ERROR_NOT_FOUND), as the driver does. */
    int device;
    if (driver_context_device(NULL, &device) == CUDA_SUCCESS) {
        struct driver_function *function;
        result = kernel_function(record, device, &function);
        if (result != CUDA_SUCCESS) {
            free(copy);
            free(record);
            return result;
        }
    }
    __atomic_store_n(&record->magic, DRIVER_KERNEL_MAGIC, __ATOMIC_RELEASE);
    pthread_mutex_lock(&lock);
    known = find_kernel(library, name);
    if (known == NULL) {
        record->next = library->kernels;
        library->kernels = record;
        known = record;
    }
    pthread_mutex_unlock(&lock);
    if (known != record) { /* another thread got there first */
        free(copy);
        free(record);
    }
    *kernel = known;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuKernelGetFunction(CUfunction *function, CUkernel kernel)
{
    int device;
    if (function == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    if (!live(kernel, DRIVER_KERNEL_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    return kernel_function(kernel, device, function);
}

DRIVER_API CUresult cuKernelGetLibrary(CUlibrary *library, CUkernel kernel)
{
    if (library == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (!live(kernel, DRIVER_KERNEL_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    *library = kernel->library;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuKernelGetName(const char **name, CUkernel kernel)
{
    if (name == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (!live(kernel, DRIVER_KERNEL_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    *name = kernel->name;
    return CUDA_SUCCESS;
}

CUresult driver_resolve_function(CUfunction function, int device, struct driver_function **record)
{
    if (live(function, DRIVER_FUNCTION_MAGIC)) {
        /* A function of an unloaded module is refused now, not when its launch fails on the server. */
        if (function->device != device || !live(function->module, DRIVER_MODULE_MAGIC))
            return CUDA_ERROR_INVALID_HANDLE;
        *record = function;
        return CUDA_SUCCESS;
    }
    /* Launch and attribute calls accept a CUkernel in place of a CUfunction. */
    struct driver_kernel *kernel = (struct driver_kernel *)function;
    if (!live(kernel, DRIVER_KERNEL_MAGIC) || !live(kernel->library, DRIVER_LIBRARY_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    return kernel_function(kernel, device, record);
}

#define FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED 8

CUresult driver_function_shared_limit(struct driver_function *function, int *limit)
{
    int known = __atomic_load_n(&function->dynamic_shared_limit, __ATOMIC_RELAXED);
    if (known < 0) {
        CUresult result = driver_function_attribute(function, FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED, &known);
        if (result != CUDA_SUCCESS)
            return result;
        /* Only if still unknown: a cuFuncSetAttribute meanwhile has the newer value. */
        int unknown = -1;
        if (!__atomic_compare_exchange_n(&function->dynamic_shared_limit, &unknown, known, 0, __ATOMIC_RELAXED,
                                         __ATOMIC_RELAXED))
            known = unknown;
    }
    *limit = known;
    return CUDA_SUCCESS;
}

/* A function's device: its own, or for a kernel the current context's. */
static CUresult function_target(CUfunction function, int *device, struct driver_function **record)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (live(function, DRIVER_FUNCTION_MAGIC))
        *device = function->device;
    else if ((result = driver_current_device(device)) != CUDA_SUCCESS)
        return result;
    return driver_resolve_function(function, *device, record);
}

/* Sets an attribute; a new dynamic shared memory limit is remembered for the launch checks. */
static CUresult set_attribute(struct driver_function *record, int attribute, int value)
{
    CUresult result = driver_function_set_attribute(record, attribute, value);
    if (result == CUDA_SUCCESS && attribute == FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED)
        __atomic_store_n(&record->dynamic_shared_limit, value, __ATOMIC_RELAXED);
    return result;
}

static CUresult function_attribute(int *value, int attribute, CUfunction function, int device)
{
    struct driver_function *record;
    if (value == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_resolve_function(function, device, &record);
    return result != CUDA_SUCCESS ? result : driver_function_attribute(record, attribute, value);
}

DRIVER_API CUresult cuFuncGetAttribute(int *value, int attribute, CUfunction function)
{
    int device;
    struct driver_function *record;
    CUresult result = function_target(function, &device, &record);
    return result != CUDA_SUCCESS ? result : function_attribute(value, attribute, function, device);
}

DRIVER_API CUresult cuFuncSetAttribute(CUfunction function, int attribute, int value)
{
    int device;
    struct driver_function *record;
    CUresult result = function_target(function, &device, &record);
    return result != CUDA_SUCCESS ? result : set_attribute(record, attribute, value);
}

/* The preferred cache split changes what occupancy answers: the client's answers are forgotten. */
static CUresult set_cache_config(struct driver_function *record, int config)
{
    CUresult result = driver_result(driver_client.orion_function_set_cache_config(record->device, record->remote, config));
    driver_function_forget(record);
    return result;
}

DRIVER_API CUresult cuFuncSetCacheConfig(CUfunction function, int config)
{
    int device;
    struct driver_function *record;
    CUresult result = function_target(function, &device, &record);
    return result != CUDA_SUCCESS ? result : set_cache_config(record, config);
}

/* A kernel's function on an explicitly named device (the cuKernel* calls take one). */
static CUresult kernel_on_device(CUkernel kernel, CUdevice device, struct driver_function **record)
{
    CUresult result = driver_begin();
    if (result == CUDA_SUCCESS)
        result = driver_check_device(device);
    return result != CUDA_SUCCESS ? result : driver_resolve_function((CUfunction)kernel, device, record);
}

DRIVER_API CUresult cuKernelGetAttribute(int *value, int attribute, CUkernel kernel, CUdevice device)
{
    struct driver_function *record;
    CUresult result = kernel_on_device(kernel, device, &record);
    return result != CUDA_SUCCESS ? result : function_attribute(value, attribute, (CUfunction)record, device);
}

DRIVER_API CUresult cuKernelSetAttribute(int attribute, int value, CUkernel kernel, CUdevice device)
{
    struct driver_function *record;
    CUresult result = kernel_on_device(kernel, device, &record);
    return result != CUDA_SUCCESS ? result : set_attribute(record, attribute, value);
}

DRIVER_API CUresult cuKernelSetCacheConfig(CUkernel kernel, int config, CUdevice device)
{
    struct driver_function *record;
    CUresult result = kernel_on_device(kernel, device, &record);
    return result != CUDA_SUCCESS ? result : set_cache_config(record, config);
}

DRIVER_API CUresult cuFuncGetName(const char **name, CUfunction function)
{
    if (name == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (live(function, DRIVER_FUNCTION_MAGIC))
        *name = function->name;
    else if (live(function, DRIVER_KERNEL_MAGIC))
        *name = ((struct driver_kernel *)function)->name;
    else
        return CUDA_ERROR_INVALID_HANDLE;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuFuncGetModule(CUmodule *module, CUfunction function)
{
    if (module == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (!live(function, DRIVER_FUNCTION_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    *module = function->module;
    return CUDA_SUCCESS;
}

/* Functions are loaded on the server when they are looked up, so every live one is loaded. */
DRIVER_API CUresult cuFuncIsLoaded(int *state, CUfunction function)
{
    if (state == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (!live(function, DRIVER_FUNCTION_MAGIC) && !live(function, DRIVER_KERNEL_MAGIC))
        return CUDA_ERROR_INVALID_HANDLE;
    *state = 1; /* CU_FUNCTION_LOADING_STATE_LOADED */
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuFuncLoad(CUfunction function)
{
    int device;
    struct driver_function *record;
    return function_target(function, &device, &record);
}

static CUresult occupancy(int *blocks, CUfunction function, int block_size, size_t dynamic_shared, unsigned int flags)
{
    int device;
    struct driver_function *record;
    if (blocks == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = function_target(function, &device, &record);
    return result != CUDA_SUCCESS ? result : driver_function_occupancy(record, block_size, dynamic_shared, flags, blocks);
}

DRIVER_API CUresult cuOccupancyAvailableDynamicSMemPerBlock(size_t *bytes, CUfunction function, int blocks, int block_size)
{
    int device;
    struct driver_function *record;
    uint64_t available = 0;
    if (bytes == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = function_target(function, &device, &record);
    if (result == CUDA_SUCCESS)
        result = driver_result(
            driver_client.orion_occupancy_available_dynamic_shared(device, record->remote, blocks, block_size, &available));
    if (result == CUDA_SUCCESS)
        *bytes = available;
    return result;
}

/* cuBLAS and cuBLASLt ask this of their cluster kernels on Hopper when a handle is created. The
 * cluster shape is the config's CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION (absent: the function's own);
 * other attributes do not change how many clusters fit. */
DRIVER_API CUresult cuOccupancyMaxActiveClusters(int *clusters, CUfunction function, const CUlaunchConfig *config)
{
    int device;
    struct driver_function *record;
    if (clusters == NULL || config == NULL || (config->numAttrs > 0 && config->attrs == NULL))
        return CUDA_ERROR_INVALID_VALUE;
    unsigned int cluster[3] = {0, 0, 0};
    for (unsigned int i = 0; i < config->numAttrs; i++)
        if (config->attrs[i].id == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION)
            memcpy(cluster, config->attrs[i].value.pad, sizeof cluster);
    CUresult result = function_target(function, &device, &record);
    if (result != CUDA_SUCCESS)
        return result;
    return driver_result(driver_client.orion_occupancy_max_active_clusters(
        device, record->remote, config->gridDimX, config->gridDimY, config->gridDimZ, config->blockDimX, config->blockDimY,
        config->blockDimZ, config->sharedMemBytes, cluster[0], cluster[1], cluster[2], clusters));
}

DRIVER_API CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int *blocks, CUfunction function, int block_size,
                                                                size_t dynamic_shared)
{
    return occupancy(blocks, function, block_size, dynamic_shared, 0);
}

DRIVER_API CUresult cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int *blocks, CUfunction function,
                                                                         int block_size, size_t dynamic_shared,
                                                                         unsigned int flags)
{
    return occupancy(blocks, function, block_size, dynamic_shared, flags);
}
