/* Declarations shared by the driver front end's translation units (none of this is exported). */
#ifndef ORION_DRIVER_INTERNAL_H
#define ORION_DRIVER_INTERNAL_H

#include <stdint.h>

#include "cuda_driver_abi.h"
#include "orion_client.h"

#define DRIVER_API __attribute__((visibility("default")))
#define DRIVER_MAX_DEVICES 16

/* The client library's entry points, resolved once by driver_client.c. */
typedef struct driver_client_api {
#define STUB_CLIENT_FN(ret, name, params) ret(*name) params;
#include "stub_client_functions.h"
#undef STUB_CLIENT_FN
} driver_client_api;

extern driver_client_api driver_client;

/*
 * cuInit's work: loads the client library and connects, once per process. Returns CUDA_SUCCESS,
 * or CUDA_ERROR_NO_DEVICE (message already printed) when the client or server is unavailable.
 */
CUresult driver_connect(void);
/* The usual first line of an entry point: CUDA_ERROR_NOT_INITIALIZED before a successful cuInit,
 * CUDA_ERROR_DEINITIALIZED once the session closed at exit. */
CUresult driver_begin(void);
/* The version cuDriverGetVersion reports (and the integrity check hashes). */
int driver_reported_version(void);
/* The newest CUDA version cuGetProcAddress serves (driver_proc_address.c). */
int driver_newest_version(void);

/* A client result (a cudaError_t number) as the driver's CUresult. */
CUresult driver_result(int32_t client_status);

/* Logging (driver_log.c): level from ORION_LOG_LEVEL; lines go to stderr prefixed "orion: ". */
enum driver_log_level { DRIVER_LOG_NONE, DRIVER_LOG_ERROR, DRIVER_LOG_WARN, DRIVER_LOG_INFO, DRIVER_LOG_DEBUG };
void driver_log(enum driver_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* CUDA_ERROR_NOT_SUPPORTED, logging name once per process (*logged remembers). */
CUresult driver_not_supported(const char *name, int *logged);
#define DRIVER_NOT_SUPPORTED(what)                                                                                 \
    do {                                                                                                           \
        static int logged_;                                                                                        \
        return driver_not_supported(what, &logged_);                                                               \
    } while (0)

/* Devices (driver_device.c). */
CUresult driver_device_count(int *count);
CUresult driver_check_device(CUdevice device);
CUresult driver_device_attribute(CUdevice device, int attribute, int *value);

/* Contexts (driver_context.c): the calling thread's current context and its device. */
CUcontext driver_current_context(void);
/* The current context's device, or CUDA_ERROR_INVALID_CONTEXT when the thread has none. */
CUresult driver_current_device(int *device);
/* The device of ctx, or of the current context when ctx is NULL. */
CUresult driver_context_device(CUcontext ctx, int *device);
/* The device's primary context (the server session's context there). */
CUcontext driver_primary_context(int device);

/* Streams (driver_stream.c): a CUstream as the client's (device, stream handle). per_thread: the
 * caller is a _ptsz/_ptds variant, for which stream 0 means the per-thread default stream. */
CUresult driver_resolve_stream(CUstream stream, int per_thread, int *device, uint64_t *handle);
/* driver_begin() and then driver_resolve_stream(): the first lines of a stream-ordered call. */
CUresult driver_stream_target(CUstream stream, int per_thread, int *device, uint64_t *handle);

/* Functions and kernels (driver_module.c): the function record for a CUfunction or a CUkernel
 * (which launch APIs accept in its place) on the given device. */
CUresult driver_resolve_function(CUfunction function, int device, struct driver_function **record);
/* The most dynamic shared memory a launch of the function may ask for. */
CUresult driver_function_shared_limit(struct driver_function *function, int *limit);
/* Calls visit(data, function, name) for every kernel of the module (the server lists their names; each
 * gets its one CUfunction handle, as cuModuleGetFunction gives it). */
CUresult driver_module_each_function(CUmodule module, void (*visit)(void *data, CUfunction function, const char *name),
                                     void *data);

/* Allocations (driver_ranges.c): device and host ranges this process got from the front end,
 * for cuPointerGetAttribute(s), cuMemGetAddressRange and unified copies. */
typedef struct driver_range {
    uint64_t base;
    uint64_t size;
    int memory_type; /* CU_MEMORYTYPE_DEVICE or CU_MEMORYTYPE_HOST */
    int device;
    unsigned int flags;
    uint64_t buffer_id;
} driver_range;

CUresult driver_ranges_add(uint64_t base, uint64_t size, int memory_type, int device, unsigned int flags);
int driver_ranges_remove(uint64_t base, int memory_type, driver_range *removed);
int driver_ranges_find(uint64_t address, driver_range *found);
void driver_ranges_forget_device(int device);

/* A device's stream priority range, asked of the server once (driver_context.c). */
CUresult driver_stream_priority_range(int device, int *least, int *greatest);

/* Mapped host memory, mirrored on the device at the same address (driver_mapped_memory.c). */
CUresult driver_mapped_alloc(void **pointer, size_t size, int device, unsigned int flags);
int driver_mapped_is_mirror(const driver_range *range);
CUresult driver_mapped_free(uint64_t base); /* after its range left the table */
/* Before work goes to the device on stream: the host's changes to mapped memory go first. */
CUresult driver_mapped_before_device_work(int device, uint64_t stream);
/* After the program waited for the device (all of it, or a stream or event): the device's changes
 * to mapped memory come back. */
CUresult driver_mapped_after_wait(int whole_device);

/* Device addresses reserved in this process's address space (driver_address_space.c). */
enum driver_reservation {
    DRIVER_RANGE_RESERVED,   /* now reserved: release it when the allocation goes */
    DRIVER_RANGE_UNRESERVED, /* not reservable, but cannot collide (e.g. past user space) */
    DRIVER_RANGE_COLLIDES,   /* the program's own memory is there */
};
enum driver_reservation driver_reserve_device_range(uint64_t base, uint64_t size);
void driver_release_device_range(uint64_t base, uint64_t size);
/* Reserves a fresh device allocation's addresses and records its range (driver_memory.c); *collides says
 * the program's own memory is there, and then nothing was recorded. */
CUresult driver_record_device_range(int device, uint64_t address, uint64_t size, int *collides);
/* After a stream-ordered allocation (driver_memory.c): records its device range and hands it to the
 * caller, or gives it back on the stream when its addresses collide with this program's memory. */
CUresult driver_take_stream_ordered(int device, uint64_t stream, CUresult allocated, uint64_t address, size_t size,
                                    CUdeviceptr *pointer);

/* Memory pools (driver_memory_pool.c): after a device reset the server's pools of the device are gone. */
void driver_pools_forget_device(int device);
#define DRIVER_RANGE_FLAG_RESERVED 0x40000000u /* in driver_range.flags */
#define DRIVER_RANGE_FLAG_MIRROR 0x10000000u   /* host memory mirrored on the device (driver_mapped_memory.c) */
#define DRIVER_RANGE_FLAG_MAPPED 0x20000000u   /* a mapping of the virtual memory API: unmapped, never freed */

/* Virtual memory management (driver_virtual_memory.c): whether address lies in a reservation (mapped or not: an
 * address there is device memory to unified copies, which the server refuses where nothing is mapped), and the
 * device reset that takes the session's reservations, allocations and mappings of the device. */
int driver_vmm_reserved(uint64_t address);
void driver_vmm_forget_device(int device);

/* Private export tables (driver_export_tables.c). */
CUresult driver_export_table(const void **table, const CUuuid *id);

static inline uint64_t driver_address(const void *pointer) { return (uint64_t)(uintptr_t)pointer; }

#endif
