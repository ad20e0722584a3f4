/*
 * The records behind the driver's opaque handles. Every handle the front end gives out points
 * at one of these; the magic number tells a live record of the right kind from a stale or
 * foreign pointer, so a wrong handle is refused with CUDA_ERROR_INVALID_HANDLE or
 * CUDA_ERROR_INVALID_CONTEXT instead of being sent to the server.
 */
#ifndef ORION_DRIVER_HANDLES_H
#define ORION_DRIVER_HANDLES_H

#include "driver_internal.h"

#define DRIVER_CONTEXT_MAGIC 0x4f52494f4e435458ull  /* "ORIONCTX" */
#define DRIVER_MODULE_MAGIC 0x4f52494f4e4d4f44ull   /* "ORIONMOD" */
#define DRIVER_FUNCTION_MAGIC 0x4f52494f4e46554eull /* "ORIONFUN" */
#define DRIVER_LIBRARY_MAGIC 0x4f52494f4e4c4942ull  /* "ORIONLIB" */
#define DRIVER_KERNEL_MAGIC 0x4f52494f4e4b524eull   /* "ORIONKRN" */
#define DRIVER_STREAM_MAGIC 0x4f52494f4e535452ull   /* "ORIONSTR" */
#define DRIVER_EVENT_MAGIC 0x4f52494f4e45564eull    /* "ORIONEVN" */
#define DRIVER_DEAD_MAGIC 0x4445414444454144ull     /* a destroyed record */

struct driver_context {
    uint64_t magic;
    int device;
    int primary;
    unsigned int flags;
    int cache_config;
    unsigned long long id;
};

struct driver_module {
    uint64_t magic;
    int device;
    uint64_t remote;
    struct driver_library *library; /* the library that owns it, or NULL */
    struct driver_function *functions; /* looked up so far, so that a name gives one handle */
};

/* CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK (0) to CLUSTER_SCHEDULING_POLICY_PREFERENCE (15): what
 * the client keeps of a function's attributes (driver_function_cache.c). */
#define DRIVER_CACHED_ATTRIBUTES 16

struct driver_function_cache {
    uint32_t known;      /* bit per attribute whose value is in values */
    uint32_t generation; /* counts sets: an answer fetched across a set is not kept */
    int values[DRIVER_CACHED_ATTRIBUTES];
    struct {
        int valid, block_size, blocks;
        unsigned int flags;
        size_t dynamic_shared;
    } occupancy[8];
    unsigned int next_occupancy;
};

struct driver_function {
    uint64_t magic;
    int device;
    uint64_t remote;
    struct driver_module *module;
    char *name;
    /* CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, read on first need (-1 until then), so that a
     * launch asking for more is refused at once, as NVIDIA's driver refuses it. */
    int dynamic_shared_limit;
    struct driver_function *next; /* the module's other functions */
    struct driver_function_cache cache;
};

CUresult driver_function_attribute(struct driver_function *function, int attribute, int *value);
CUresult driver_function_set_attribute(struct driver_function *function, int attribute, int value);
CUresult driver_function_occupancy(struct driver_function *function, int block_size, size_t dynamic_shared,
                                   unsigned int flags, int *blocks);
void driver_function_forget(struct driver_function *function);

/* A library is context-independent: it is loaded on a device the first time a kernel, module
 * or global of it is asked for there. */
struct driver_library {
    uint64_t magic;
    const void *image;
    uint64_t image_size;
    void *owned_copy; /* image copied at load time (unless the caller said it keeps it) */
    struct driver_module *modules[DRIVER_MAX_DEVICES];
    struct driver_kernel *kernels; /* looked up so far, so that a name gives one handle */
};

struct driver_kernel {
    uint64_t magic;
    struct driver_library *library;
    char *name;
    struct driver_function *functions[DRIVER_MAX_DEVICES];
    struct driver_kernel *next; /* the library's kernels, to find one by name again */
};

struct driver_stream {
    uint64_t magic;
    int device;
    uint64_t remote;
    unsigned int flags;
    int priority;
    struct driver_context *context;
    unsigned long long id;
};

struct driver_event {
    uint64_t magic;
    int device;
    uint64_t remote;
    unsigned int flags;
};

#endif
