/*
 * The C entry points of liborion_client.so (the NativeAOT build of the Orion client runtime)
 * that libcudart.so.13 calls. This header is the whole contract between the two libraries.
 *
 * Rules for every function:
 *  - Returns a CUDA error code (cudaError_t value) as int32_t; 0 is success. It never throws
 *    and never blocks forever: an unreachable server gives cudaErrorNoDevice (100) or
 *    cudaErrorDevicesUnavailable (46) after the configured timeout.
 *  - Only fixed-width types cross. Device pointers are uint64_t addresses in the remote
 *    device's address space. Handles (modules, functions, streams, events) are uint64_t values
 *    the client chooses; 0 is never a valid handle.
 *  - Streams 0 and 1 (cudaStreamLegacy) are the legacy default stream of the given device; stream 2 is the per-thread
 *    default stream (cudaStreamPerThread), which Orion runs on the legacy default stream.
 *    Client stream and event handles are therefore greater than 2.
 *  - Asynchronous calls (async == 1, launches, event records) may return success before the
 *    work ran; their errors latch and come back from the next synchronizing call.
 *  - Callbacks (orion_host_callback) run on a client-owned thread once the server reports that
 *    the stream reached them, never inside the call that enqueued them.
 */
#ifndef ORION_CLIENT_H
#define ORION_CLIENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a signature below changes; the stub refuses a client of another version. */
#define ORION_CLIENT_ABI_VERSION 5

typedef void (*orion_host_callback)(uint64_t stream, int32_t status, void *fn, void *user_data);

/* Identification and connection. */
int32_t orion_client_abi_version(void);
int32_t orion_initialize(void);
/* Closes the sessions cleanly; the stub calls it once from atexit. Waits about a second at most. */
int32_t orion_shutdown(void);
int32_t orion_device_count(int32_t *count);
int32_t orion_driver_version(int32_t *version);

/* Devices. attributes/values are parallel arrays of cudaDeviceAttr numbers, count <= 256. */
int32_t orion_device_get_attributes(int32_t device, int32_t count, const int32_t *attributes, int32_t *values);
int32_t orion_device_get_name(int32_t device, char *name, int32_t capacity);
int32_t orion_device_get_uuid(int32_t device, uint8_t *uuid16);
int32_t orion_device_total_memory(int32_t device, uint64_t *bytes);
int32_t orion_device_memory_info(int32_t device, uint64_t *free_bytes, uint64_t *total_bytes);
int32_t orion_device_synchronize(int32_t device);
int32_t orion_device_reset(int32_t device);
/* cuCtxGetLimit / cuCtxSetLimit on the device's context; limit is a CUlimit value. */
int32_t orion_device_get_limit(int32_t device, int32_t limit, uint64_t *value);
int32_t orion_device_set_limit(int32_t device, int32_t limit, uint64_t value);

/* Memory. Host pointers are local; the client copies from or into them directly. */
int32_t orion_malloc(int32_t device, uint64_t size, uint64_t *device_pointer);
int32_t orion_free(int32_t device, uint64_t device_pointer);
/* The stream-ordered allocator (cuMemAllocAsync / cuMemFreeAsync) on the device's default pool. */
int32_t orion_malloc_async(int32_t device, uint64_t size, uint64_t stream, uint64_t *device_pointer);
int32_t orion_free_async(int32_t device, uint64_t device_pointer, uint64_t stream);
int32_t orion_memcpy_htod(int32_t device, uint64_t dst, const void *src, uint64_t size, uint64_t stream,
                          int32_t async);
int32_t orion_memcpy_dtoh(int32_t device, void *dst, uint64_t src, uint64_t size, uint64_t stream, int32_t async);
int32_t orion_memcpy_dtod(int32_t device, uint64_t dst, uint64_t src, uint64_t size, uint64_t stream,
                          int32_t async);
/* 2D copies: height rows of width bytes; pitches are the row strides of each side. */
int32_t orion_memcpy_2d_htod(int32_t device, uint64_t dst, uint64_t dst_pitch, const void *src, uint64_t src_pitch,
                             uint64_t width, uint64_t height, uint64_t stream, int32_t async);
int32_t orion_memcpy_2d_dtoh(int32_t device, void *dst, uint64_t dst_pitch, uint64_t src, uint64_t src_pitch,
                             uint64_t width, uint64_t height, uint64_t stream, int32_t async);
int32_t orion_memcpy_2d_dtod(int32_t device, uint64_t dst, uint64_t dst_pitch, uint64_t src, uint64_t src_pitch,
                             uint64_t width, uint64_t height, uint64_t stream, int32_t async);
int32_t orion_memset(int32_t device, uint64_t dst, uint8_t value, uint64_t size, uint64_t stream, int32_t async);
int32_t orion_memset_2d(int32_t device, uint64_t dst, uint64_t pitch, uint8_t value, uint64_t width,
                        uint64_t height, uint64_t stream, int32_t async);
/* cuMemsetD16/D32 and their 2D forms: count (width) elements of element_bytes (1, 2 or 4) each. */
int32_t orion_memset_elements(int32_t device, uint64_t dst, uint32_t value, int32_t element_bytes, uint64_t count,
                              uint64_t stream, int32_t async);
int32_t orion_memset_2d_elements(int32_t device, uint64_t dst, uint64_t pitch, uint32_t value, int32_t element_bytes,
                                 uint64_t width, uint64_t height, uint64_t stream, int32_t async);
int32_t orion_memcpy_peer(int32_t dst_device, uint64_t dst, int32_t src_device, uint64_t src, uint64_t size,
                          uint64_t stream, int32_t async);

/* Modules: image is a whole fat binary (header included), image_size <= 1 GiB. */
int32_t orion_module_load(int32_t device, const void *image, uint64_t image_size, uint64_t *module);
int32_t orion_module_unload(int32_t device, uint64_t module);
int32_t orion_module_get_function(int32_t device, uint64_t module, const char *name, uint64_t *function);
/* The names of every kernel of a module, one per line, NUL-terminated in names (capacity bytes); needed is
 * always set to the bytes the list takes with its NUL, and a list that does not fit answers 1 (invalid value)
 * with nothing written. */
int32_t orion_module_function_names(int32_t device, uint64_t module, char *names, uint64_t capacity, uint64_t *needed);
int32_t orion_module_get_global(int32_t device, uint64_t module, const char *name, uint64_t *device_pointer,
                                uint64_t *size);

/* Functions. Attribute numbers are the driver's CUfunction_attribute values. */
int32_t orion_function_get_attributes(int32_t device, uint64_t function, int32_t count, const int32_t *attributes,
                                      int32_t *values);
int32_t orion_function_set_attribute(int32_t device, uint64_t function, int32_t attribute, int32_t value);
/* config is a CUfunc_cache value (a preference the driver may ignore). */
int32_t orion_function_set_cache_config(int32_t device, uint64_t function, int32_t config);
int32_t orion_occupancy_max_active_blocks(int32_t device, uint64_t function, int32_t block_size,
                                          uint64_t dynamic_shared_bytes, uint32_t flags, int32_t *blocks);
/* cuOccupancyAvailableDynamicSMemPerBlock. */
int32_t orion_occupancy_available_dynamic_shared(int32_t device, uint64_t function, int32_t blocks, int32_t block_size,
                                                 uint64_t *bytes);
/* cuOccupancyMaxActiveClusters; a cluster of 0x0x0 means the function's compile-time cluster shape. */
int32_t orion_occupancy_max_active_clusters(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                            uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                            uint32_t shared_bytes, uint32_t cluster_x, uint32_t cluster_y,
                                            uint32_t cluster_z, int32_t *clusters);
/* args is the kernel's void** argument array; the client packs it by the function's layout. */
int32_t orion_launch_kernel(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z,
                            uint32_t block_x, uint32_t block_y, uint32_t block_z, uint32_t shared_bytes,
                            uint64_t stream, void **args);

/* The same with the parameters already packed by the kernel's layout (cuLaunchKernel's
 * CU_LAUNCH_PARAM_BUFFER_POINTER); size may exceed the layout's (padding), never fall short. */
int32_t orion_launch_kernel_packed(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z,
                                   uint32_t block_x, uint32_t block_y, uint32_t block_z, uint32_t shared_bytes,
                                   uint64_t stream, const void *parameters, uint64_t size);

/* Streams and events. */
int32_t orion_stream_create(int32_t device, uint32_t flags, int32_t priority, uint64_t *stream);
int32_t orion_stream_destroy(int32_t device, uint64_t stream);
int32_t orion_stream_synchronize(int32_t device, uint64_t stream);
int32_t orion_stream_query(int32_t device, uint64_t stream);
int32_t orion_stream_wait_event(int32_t device, uint64_t stream, uint64_t event, uint32_t flags);
int32_t orion_stream_priority_range(int32_t device, int32_t *least, int32_t *greatest);
int32_t orion_stream_add_callback(int32_t device, uint64_t stream, orion_host_callback callback, void *fn,
                                  void *user_data);
int32_t orion_event_create(int32_t device, uint32_t flags, uint64_t *event);
int32_t orion_event_destroy(int32_t device, uint64_t event);
int32_t orion_event_record(int32_t device, uint64_t event, uint64_t stream, uint32_t flags);
int32_t orion_event_synchronize(int32_t device, uint64_t event);
int32_t orion_event_query(int32_t device, uint64_t event);
int32_t orion_event_elapsed_time(int32_t device, uint64_t start, uint64_t end, float *milliseconds);

/* Stream-ordered memory pools (cuMemPool*). A pool is a handle the client chooses, living on one device;
 * every call names that device. The pool a device calls its default is the session's own on the server.
 * allocation_type and handle_types are CUmemPoolProps' fields; attribute is a CUmemPool_attribute, its
 * value widened to 64 bits. */
int32_t orion_mempool_create(int32_t device, int32_t allocation_type, int32_t handle_types, uint64_t max_bytes,
                             uint32_t usage, uint64_t *pool);
int32_t orion_mempool_destroy(int32_t device, uint64_t pool);
/* The device's default pool: the same handle on every call until the device is reset. */
int32_t orion_mempool_default(int32_t device, uint64_t *pool);
/* cuDeviceSetMemPool: the pool orion_malloc_async takes from on the device. */
int32_t orion_mempool_set_current(int32_t device, uint64_t pool);
int32_t orion_mempool_set_attribute(int32_t device, uint64_t pool, int32_t attribute, uint64_t value);
int32_t orion_mempool_get_attribute(int32_t device, uint64_t pool, int32_t attribute, uint64_t *value);
int32_t orion_mempool_trim(int32_t device, uint64_t pool, uint64_t min_bytes_to_keep);
/* cuMemAllocFromPoolAsync: the stream is of the pool's device. */
int32_t orion_malloc_from_pool_async(int32_t device, uint64_t size, uint64_t pool, uint64_t stream,
                                     uint64_t *device_pointer);

/* Cooperative launches (cuLaunchCooperativeKernel): as orion_launch_kernel and orion_launch_kernel_packed;
 * a grid whose blocks cannot all be resident fails with 720 (too large) at the next synchronizing call. */
int32_t orion_launch_cooperative_kernel(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                        uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                        uint32_t shared_bytes, uint64_t stream, void **args);
int32_t orion_launch_cooperative_kernel_packed(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                               uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                               uint32_t shared_bytes, uint64_t stream, const void *parameters,
                                               uint64_t size);

/* cuLaunchKernelEx with attributes, as orion_launch_kernel and orion_launch_kernel_packed. cluster_* is the
 * CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION shape (all 0 for none), cluster_policy a CUclusterSchedulingPolicy (0 the
 * default), flags the LaunchAttributeSwitches bits (1 cooperative, 2 programmatic stream serialization, 4 priority
 * given), priority the CU_LAUNCH_ATTRIBUTE_PRIORITY value. */
int32_t orion_launch_kernel_ex(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z,
                               uint32_t block_x, uint32_t block_y, uint32_t block_z, uint32_t shared_bytes,
                               uint64_t stream, uint32_t cluster_x, uint32_t cluster_y, uint32_t cluster_z,
                               uint32_t cluster_policy, uint32_t flags, int32_t priority, void **args);
int32_t orion_launch_kernel_ex_packed(int32_t device, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                      uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                      uint32_t shared_bytes, uint64_t stream, uint32_t cluster_x, uint32_t cluster_y,
                                      uint32_t cluster_z, uint32_t cluster_policy, uint32_t flags, int32_t priority,
                                      const void *parameters, uint64_t size);
/*
 * CUDA arrays, texture objects and surface objects (the driver front end's cuArray*, cuTexObject*,
 * cuSurfObject*). An array is a handle of the device's session: format is a CUarray_format value of the
 * eight classic formats (1, 2, 3, 8, 9, 10, 0x10, 0x20), channels 1, 2 or 4; height 0 makes a 1D array,
 * depth 0 a 1D or 2D one; flags are CUDA_ARRAY3D_* bits.
 */
int32_t orion_array_create(int32_t device, uint64_t width, uint64_t height, uint64_t depth, int32_t format,
                           int32_t channels, uint32_t flags, uint64_t *array);
int32_t orion_array_destroy(int32_t device, uint64_t array);
/* Copies of a box of width bytes x height rows x depth slices. An array side is the array and the byte column,
 * row and slice of the box's first element; a linear side is the address of its first byte, its pitch (bytes
 * from row to row, read when height or depth > 1) and its height (rows from slice to slice, read when
 * depth > 1). A copy out of an array waits for its data even when async (as 2D copies to the host do). */
int32_t orion_memcpy_htoa(int32_t device, uint64_t dst_array, uint64_t dst_x, uint64_t dst_y, uint64_t dst_z,
                          const void *src, uint64_t src_pitch, uint64_t src_height, uint64_t width, uint64_t height,
                          uint64_t depth, uint64_t stream, int32_t async);
int32_t orion_memcpy_atoh(int32_t device, void *dst, uint64_t dst_pitch, uint64_t dst_height, uint64_t src_array,
                          uint64_t src_x, uint64_t src_y, uint64_t src_z, uint64_t width, uint64_t height,
                          uint64_t depth, uint64_t stream, int32_t async);
int32_t orion_memcpy_dtoa(int32_t device, uint64_t dst_array, uint64_t dst_x, uint64_t dst_y, uint64_t dst_z,
                          uint64_t src, uint64_t src_pitch, uint64_t src_height, uint64_t width, uint64_t height,
                          uint64_t depth, uint64_t stream, int32_t async);
int32_t orion_memcpy_atod(int32_t device, uint64_t dst, uint64_t dst_pitch, uint64_t dst_height, uint64_t src_array,
                          uint64_t src_x, uint64_t src_y, uint64_t src_z, uint64_t width, uint64_t height,
                          uint64_t depth, uint64_t stream, int32_t async);
int32_t orion_memcpy_atoa(int32_t device, uint64_t dst_array, uint64_t dst_x, uint64_t dst_y, uint64_t dst_z,
                          uint64_t src_array, uint64_t src_x, uint64_t src_y, uint64_t src_z, uint64_t width,
                          uint64_t height, uint64_t depth, uint64_t stream, int32_t async);
/* cuTexObjectCreate without a resource view. resource_type is a CUresourcetype: 0 an array (resource is its
 * handle), 2 linear memory (resource is its device address, width its size in bytes), 3 pitched 2D memory
 * (resource is its address; width and height in elements, pitch in bytes); format and channels describe the
 * elements of linear and pitched memory. modes holds CUDA_TEXTURE_DESC's addressMode[3], filterMode, flags,
 * maxAnisotropy and mipmapFilterMode; levels its mipmapLevelBias, minMipmapLevelClamp, maxMipmapLevelClamp and
 * borderColor[4]. texture_object receives the device's value, which kernels take. */
int32_t orion_texture_object_create(int32_t device, int32_t resource_type, uint64_t resource, int32_t format,
                                    int32_t channels, uint64_t width, uint64_t height, uint64_t pitch,
                                    const uint32_t *modes, const float *levels, uint64_t *texture_object);
int32_t orion_texture_object_destroy(int32_t device, uint64_t texture_object);
/* cuSurfObjectCreate over an array made with CUDA_ARRAY3D_SURFACE_LDST. */
int32_t orion_surface_object_create(int32_t device, uint64_t array, uint64_t *surface_object);
int32_t orion_surface_object_destroy(int32_t device, uint64_t surface_object);
/* cuDeviceGetTexture1DLinearMaxWidth. */
int32_t orion_texture_1d_linear_max_width(int32_t device, int32_t format, int32_t channels, uint64_t *width);
/*
 * Stream capture and graphs. Graph, node and executable-graph handles are the client's own, valid on
 * the given device (its session); 0 is never one. A capture runs on the server's stream: launches,
 * memsets and device-to-device copies queued on a capturing stream become nodes there, while copies
 * with host memory, host callbacks and stream-ordered allocation on it fail with
 * cudaErrorStreamCaptureUnsupported (900). Dependencies are arrays of node handles, at most 4096.
 */
int32_t orion_stream_begin_capture(int32_t device, uint64_t stream, uint64_t *graph);
/* *graph is 0 when the capture gave no graph (invalidated, unjoined). */
int32_t orion_stream_end_capture(int32_t device, uint64_t stream, uint64_t *graph);
/* status is a CUstreamCaptureStatus (0 none, 1 active, 2 invalidated); answered in the client without a
 * round trip while no capture begun through it is going on. */
int32_t orion_stream_get_capture_info(int32_t device, uint64_t stream, int32_t *status, uint64_t *id, uint64_t *graph);
/* The capture's current dependencies: *count of them, the first min(capacity, *count) in nodes. */
int32_t orion_stream_get_capture_dependencies(int32_t device, uint64_t stream, uint64_t *nodes, uint64_t capacity,
                                              uint64_t *count);
int32_t orion_graph_create(int32_t device, uint32_t flags, uint64_t *graph);
int32_t orion_graph_destroy(int32_t device, uint64_t graph);
/* The graph's node count in *count and its first min(capacity, *count) nodes in nodes (NULL when capacity is 0). */
int32_t orion_graph_get_nodes(int32_t device, uint64_t graph, uint64_t *nodes, uint64_t capacity, uint64_t *count);
/* Kernel parameters as for a launch: args (the kernel's void** arguments, packed by the function's layout) or,
 * when args is NULL, a buffer already packed by that layout (packed, packed_size; NULL and 0 for a kernel
 * without parameters). */
int32_t orion_graph_add_kernel_node(int32_t device, uint64_t graph, const uint64_t *dependencies, uint64_t dependency_count,
                                    uint64_t function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z, uint32_t block_x,
                                    uint32_t block_y, uint32_t block_z, uint32_t shared_bytes, void **args,
                                    const void *packed, uint64_t packed_size, uint64_t *node);
/* height rows of width elements of element_bytes (1, 2 or 4), pitch bytes apart. */
int32_t orion_graph_add_memset_node(int32_t device, uint64_t graph, const uint64_t *dependencies, uint64_t dependency_count,
                                    uint64_t dst, uint64_t pitch, uint32_t value, int32_t element_bytes, uint64_t width,
                                    uint64_t height, uint64_t *node);
/* Device to device: height rows of width bytes. */
int32_t orion_graph_add_memcpy_node(int32_t device, uint64_t graph, const uint64_t *dependencies, uint64_t dependency_count,
                                    uint64_t dst, uint64_t dst_pitch, uint64_t src, uint64_t src_pitch, uint64_t width,
                                    uint64_t height, uint64_t *node);
int32_t orion_graph_add_empty_node(int32_t device, uint64_t graph, const uint64_t *dependencies, uint64_t dependency_count,
                                   uint64_t *node);
/* to[i] comes to depend on from[i]. */
int32_t orion_graph_add_dependencies(int32_t device, uint64_t graph, const uint64_t *from, const uint64_t *to, uint64_t count);
/* type is a CUgraphNodeType. */
int32_t orion_graph_node_get_type(int32_t device, uint64_t node, int32_t *type);
int32_t orion_graph_kernel_node_set_params(int32_t device, uint64_t node, uint64_t function, uint32_t grid_x, uint32_t grid_y,
                                           uint32_t grid_z, uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                           uint32_t shared_bytes, void **args, const void *packed, uint64_t packed_size);
/* flags are CUgraphInstantiate_flags. */
int32_t orion_graph_instantiate(int32_t device, uint64_t graph, uint64_t flags, uint64_t *exec);
/* Asynchronous, as a launch: an error latches to the next synchronizing call. */
int32_t orion_graph_launch(int32_t device, uint64_t exec, uint64_t stream);
int32_t orion_graph_upload(int32_t device, uint64_t exec, uint64_t stream);
int32_t orion_graph_exec_destroy(int32_t device, uint64_t exec);
/* node is a kernel node of the graph exec was instantiated from; it changes in exec only. */
int32_t orion_graph_exec_kernel_node_set_params(int32_t device, uint64_t exec, uint64_t node, uint64_t function,
                                                uint32_t grid_x, uint32_t grid_y, uint32_t grid_z, uint32_t block_x,
                                                uint32_t block_y, uint32_t block_z, uint32_t shared_bytes, void **args,
                                                const void *packed, uint64_t packed_size);
/*
 * Virtual memory management (the driver front end's cuMemAddressReserve, cuMemCreate, cuMemMap, ...). A
 * reservation, a physical allocation and a mapping live on the given device's session; an allocation is a
 * handle the client chooses (0 is never one). allocation_type and handle_types are CUmemAllocationProp's
 * fields: pinned memory (1) without shareable handle types (0) is what a remote device serves, others answer
 * invalid value (1) or not supported (801). granularity_kind is a CUmemAllocationGranularity_flags value (0 the
 * minimum, 1 the recommended granularity); sizes, addresses and offsets are multiples of the minimum one.
 * flags are CUmemAccess_flags (0 none, 1 read, 3 read and write) for the device itself, whose memory it is.
 */
int32_t orion_vmm_granularity(int32_t device, int32_t allocation_type, int32_t handle_types, int32_t granularity_kind,
                              uint64_t *granularity);
/* address_hint is only a hint (0: none); alignment 0 is the granularity. */
int32_t orion_vmm_reserve(int32_t device, uint64_t size, uint64_t alignment, uint64_t address_hint, uint64_t *address);
/* A whole reservation, with nothing mapped in it. */
int32_t orion_vmm_free(int32_t device, uint64_t address, uint64_t size);
int32_t orion_vmm_create(int32_t device, uint64_t size, int32_t allocation_type, int32_t handle_types,
                         uint64_t *allocation);
/* One reference less (the creation or a retain); the memory goes once no reference and no mapping is left. */
int32_t orion_vmm_release(int32_t device, uint64_t allocation);
/* offset must be 0; the range lies in one reservation, where nothing is mapped yet. */
int32_t orion_vmm_map(int32_t device, uint64_t address, uint64_t size, uint64_t offset, uint64_t allocation);
/* Whole mappings, one after another from address. */
int32_t orion_vmm_unmap(int32_t device, uint64_t address, uint64_t size);
int32_t orion_vmm_set_access(int32_t device, uint64_t address, uint64_t size, uint32_t flags);
int32_t orion_vmm_get_access(int32_t device, uint64_t address, uint32_t *flags);
/* The allocation mapped at address (any address of its mapping), with one more reference. */
int32_t orion_vmm_retain(int32_t device, uint64_t address, uint64_t *allocation);
int32_t orion_vmm_properties(int32_t device, uint64_t allocation, uint64_t *size, int32_t *allocation_type,
                             int32_t *handle_types);

/*
 * NVML's view of one device, for the libnvidia-ml.so.1 replacement (native/nvml_front_end), from one wire call.
 * For each reading ORION_NVML_* below (the first count of them, count <= ORION_NVML_READINGS): its value in
 * values[i] and, in statuses[i], what the server's NVML answered for it as an nvmlReturn_t (0: the value is good;
 * 3: not supported there, or the server has no NVML). uuid16 receives the driver's 16 UUID bytes in the driver's
 * order; texts receives ORION_NVML_TEXTS NUL-terminated strings of ORION_NVML_TEXT_BYTES each (texts_capacity at
 * least ORION_NVML_TEXTS * ORION_NVML_TEXT_BYTES), at the offsets ORION_NVML_TEXT_*. The memory figures are this
 * process's: total is what it may use, used what its session holds on the device by the server's accounting
 * (never other tenants'). The call creates no context and does not change the device later calls use.
 */
#define ORION_NVML_MEMORY_TOTAL 0
#define ORION_NVML_MEMORY_USED 1
#define ORION_NVML_SESSION_ACTIVE 2 /* 1: this process has a context or memory on the device */
#define ORION_NVML_BAR1_TOTAL 3
#define ORION_NVML_PCI_DOMAIN 4
#define ORION_NVML_PCI_BUS 5
#define ORION_NVML_PCI_DEVICE 6
#define ORION_NVML_PCI_DEVICE_ID 7
#define ORION_NVML_PCI_SUBSYSTEM_ID 8
#define ORION_NVML_BRAND 9
#define ORION_NVML_ARCHITECTURE 10
#define ORION_NVML_COMPUTE_CAPABILITY_MAJOR 11
#define ORION_NVML_COMPUTE_CAPABILITY_MINOR 12
#define ORION_NVML_MINOR_NUMBER 13
#define ORION_NVML_UTILIZATION_GPU 14
#define ORION_NVML_UTILIZATION_MEMORY 15
#define ORION_NVML_TEMPERATURE 16
#define ORION_NVML_POWER_USAGE 17
#define ORION_NVML_ENFORCED_POWER_LIMIT 18
#define ORION_NVML_POWER_MANAGEMENT_LIMIT 19
#define ORION_NVML_PERFORMANCE_STATE 20
#define ORION_NVML_CLOCK_GRAPHICS 21 /* then SM, memory, video: 21 + nvmlClockType_t */
#define ORION_NVML_CLOCK_SM 22
#define ORION_NVML_CLOCK_MEMORY 23
#define ORION_NVML_CLOCK_VIDEO 24
#define ORION_NVML_MAX_CLOCK_GRAPHICS 25 /* 25 + nvmlClockType_t */
#define ORION_NVML_MAX_CLOCK_SM 26
#define ORION_NVML_MAX_CLOCK_MEMORY 27
#define ORION_NVML_MAX_CLOCK_VIDEO 28
#define ORION_NVML_COMPUTE_MODE 29
#define ORION_NVML_PERSISTENCE_MODE 30
#define ORION_NVML_DISPLAY_MODE 31
#define ORION_NVML_DISPLAY_ACTIVE 32
#define ORION_NVML_MIG_MODE_CURRENT 33
#define ORION_NVML_MIG_MODE_PENDING 34
#define ORION_NVML_FAN_SPEED 35
#define ORION_NVML_SERIAL 36 /* the status of the serial text */
#define ORION_NVML_DRIVER_VERSION 37 /* the status of the driver version text */
#define ORION_NVML_NVML_VERSION 38 /* the status of the NVML version text */
#define ORION_NVML_CUDA_DRIVER_VERSION 39
#define ORION_NVML_READINGS 40
#define ORION_NVML_TEXT_BYTES 96
#define ORION_NVML_TEXTS 4
#define ORION_NVML_TEXT_NAME 0
#define ORION_NVML_TEXT_SERIAL 96
#define ORION_NVML_TEXT_DRIVER_VERSION 192
#define ORION_NVML_TEXT_NVML_VERSION 288
int32_t orion_nvml_device_status(int32_t device, int32_t count, uint64_t *values, int32_t *statuses, uint8_t *uuid16,
                                 char *texts, int32_t texts_capacity);

#ifdef __cplusplus
}
#endif

#endif
