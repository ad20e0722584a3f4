/* Declarations shared by the stub's translation units (none of this is exported). */
#ifndef ORION_STUB_INTERNAL_H
#define ORION_STUB_INTERNAL_H

#include <stdint.h>

#include "cuda_abi.h"
#include "orion_client.h"
#include "stub_errors.h"

#define STUB_API __attribute__((visibility("default")))
#define STUB_MAX_DEVICES 16

/* The client library's entry points, resolved once by stub_client.c. */
typedef struct stub_client_api {
#define STUB_CLIENT_FN(ret, name, params) ret(*name) params;
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN
} stub_client_api;

extern stub_client_api stub_client;

/*
 * Loads and initialises the client library and the connection once per process. Returns
 * cudaSuccess, or cudaErrorNoDevice (message already printed) when the client or server is
 * unavailable. Every entry point that needs the server calls stub_begin() instead.
 */
cudaError_t stub_client_ready(void);

/* stub_client_ready() plus the sticky-error check; the usual first line of an entry point. */
cudaError_t stub_begin(void);

/* Devices (stub_device.c). */
int stub_current_device(void);
cudaError_t stub_device_count(int *count);
/* A cached device attribute (attributes below ORION_DEVICE_ATTR_CACHE_SIZE never change). */
cudaError_t stub_device_attribute(int device, enum cudaDeviceAttr attribute, int *value);

/* Logging (stub_log.c): level from ORION_LOG_LEVEL; messages go to stderr prefixed "orion: ". */
enum stub_log_level { STUB_LOG_NONE = 0, STUB_LOG_ERROR = 1, STUB_LOG_WARN = 2, STUB_LOG_INFO = 3, STUB_LOG_DEBUG = 4 };
void stub_log(enum stub_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Registered device code (stub_registry.c). */
typedef struct stub_module stub_module;

#define STUB_FUNCTION_MAGIC 0x4f52494f4e464e43ull /* "ORIONFNC": tells our kernel handles from garbage */
typedef struct stub_function {
    uint64_t magic;
    stub_module *module;
    const void *host_function;
    char *device_name;
    uint64_t remote[STUB_MAX_DEVICES]; /* client function handle per device, 0 until resolved */
    /* cudaFuncAttributeMaxDynamicSharedMemorySize per device, -1 until asked for (launch checks) */
    int dynamic_shared_limit[STUB_MAX_DEVICES];
} stub_function;

typedef struct stub_variable {
    stub_module *module;
    const void *host_variable;
    char *device_name;
    uint64_t size;
    uint64_t remote_address[STUB_MAX_DEVICES];
} stub_variable;

stub_function *stub_find_function(const void *host_function);
stub_variable *stub_find_variable(const void *host_variable);
/* Resolves the function's client handle on the device, loading its module there on first use. */
cudaError_t stub_resolve_function(stub_function *function, int device, uint64_t *remote);
cudaError_t stub_resolve_variable(stub_variable *variable, int device, uint64_t *address);
/* After cudaDeviceReset: the device's modules, functions and globals are gone on the server. */
void stub_registry_forget_device(int device);

/* Device/host allocation ranges (stub_alloc_table.c), used for cudaMemcpyDefault and
 * cudaPointerGetAttributes. Device pointers are remote addresses and cannot be told apart from
 * host addresses by value, so every allocation the stub hands out is recorded here. */
typedef struct stub_range {
    uint64_t base;
    uint64_t size;
    enum cudaMemoryType type;
    int device;
    unsigned int flags;
} stub_range;

cudaError_t stub_ranges_add(uint64_t base, uint64_t size, enum cudaMemoryType type, int device, unsigned int flags);
/* Removes the range starting exactly at base; returns 0 when there is none. */
int stub_ranges_remove(uint64_t base, enum cudaMemoryType type, stub_range *removed);
/* Finds the range containing address; returns 0 when the address is in no recorded range. */
int stub_ranges_find(uint64_t address, stub_range *found);
/* After cudaDeviceReset: the device's allocations are gone on the server. */
void stub_ranges_forget_device(int device);

/* Maps a copy's declared kind onto a concrete direction (resolving cudaMemcpyDefault). */
cudaError_t stub_resolve_copy_kind(const void *dst, const void *src, enum cudaMemcpyKind kind,
                                   enum cudaMemcpyKind *resolved);

/* Exported entry points the stub also calls itself. */
const char *cudaGetErrorName(cudaError_t error);

static inline uint64_t stub_stream_handle(cudaStream_t stream) { return (uint64_t)(uintptr_t)stream; }
static inline uint64_t stub_address(const void *pointer) { return (uint64_t)(uintptr_t)pointer; }

#endif
