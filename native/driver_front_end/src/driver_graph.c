/*
 * Stream capture and CUDA graphs. Graphs, their nodes and executable graphs live on the server (the
 * session of the device they were made on); the records here name them. A capture runs on the
 * server's real stream: launches, memsets and device-to-device copies queued on a capturing stream
 * become nodes there. Copies with this process's host memory, host callbacks and stream-ordered
 * allocation cannot, and fail on a capturing stream with CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED.
 *
 * Capture modes: the server always captures in relaxed mode (docs/driver-front-end.md says why); the
 * mode a program asks for is checked and kept per thread (cuThreadExchangeStreamCaptureMode), but
 * the prohibition of "potentially unsafe" calls during a global or thread-local capture, a debugging
 * aid of the capturing program, is not reproduced.
 *
 * Records are never freed, only marked dead, so that a stale handle is refused with
 * CUDA_ERROR_INVALID_HANDLE instead of being read after free (as for streams and events).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "driver_handles.h"

#define DRIVER_GRAPH_MAGIC 0x4f52494f4e475248ull      /* "ORIONGRH" */
#define DRIVER_GRAPH_NODE_MAGIC 0x4f52494f4e474e44ull /* "ORIONGND" */
#define DRIVER_GRAPH_EXEC_MAGIC 0x4f52494f4e475845ull /* "ORIONGXE" */
#define MAX_DEPENDENCIES 4096                         /* what one node may depend on through Orion (the protocol's bound) */

struct driver_graph {
    uint64_t magic;
    int device;
    uint64_t remote;
    struct driver_graph_node **nodes; /* every node handed out, to give one record per node */
    size_t node_count, node_capacity;
    struct driver_graph *next; /* all graphs, to find the one a capture reports */
};

struct driver_graph_node {
    uint64_t magic;
    struct driver_graph *graph;
    uint64_t remote;
    int type; /* a CUgraphNodeType, or -1 until known */
};

struct driver_graph_exec {
    uint64_t magic;
    int device;
    uint64_t remote;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct driver_graph *graphs;
static __thread int thread_capture_mode = CU_STREAM_CAPTURE_MODE_GLOBAL;

static int live(const void *record, uint64_t magic)
{
    return record != NULL && __atomic_load_n((const uint64_t *)record, __ATOMIC_ACQUIRE) == magic;
}

static int live_graph(CUgraph graph) { return live(graph, DRIVER_GRAPH_MAGIC); }

static int live_node(CUgraphNode node) { return live(node, DRIVER_GRAPH_NODE_MAGIC) && live_graph(node->graph); }

static int live_exec(CUgraphExec exec) { return live(exec, DRIVER_GRAPH_EXEC_MAGIC); }

/* ---- records ---- */

static CUgraph new_graph(int device, uint64_t remote)
{
    struct driver_graph *graph = calloc(1, sizeof *graph);
    if (graph == NULL)
        return NULL;
    graph->device = device;
    graph->remote = remote;
    pthread_mutex_lock(&lock);
    graph->next = graphs;
    graphs = graph;
    pthread_mutex_unlock(&lock);
    __atomic_store_n(&graph->magic, DRIVER_GRAPH_MAGIC, __ATOMIC_RELEASE);
    return graph;
}

/* The live graph the server names remote on device, or NULL. */
static CUgraph find_graph(int device, uint64_t remote)
{
    pthread_mutex_lock(&lock);
    struct driver_graph *graph = graphs;
    while (graph != NULL && !(live_graph(graph) && graph->device == device && graph->remote == remote))
        graph = graph->next;
    pthread_mutex_unlock(&lock);
    return graph;
}

static void kill_graph(CUgraph graph)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < graph->node_count; i++)
        __atomic_store_n(&graph->nodes[i]->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    __atomic_store_n(&graph->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&lock);
}

/* The record of the graph's node that the server names remote: the one handed out before, or a new one. */
static CUgraphNode node_record(CUgraph graph, uint64_t remote, int type)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < graph->node_count; i++)
        if (graph->nodes[i]->remote == remote) {
            CUgraphNode found = graph->nodes[i];
            pthread_mutex_unlock(&lock);
            return found;
        }
    struct driver_graph_node *node = NULL;
    if (graph->node_count == graph->node_capacity) {
        size_t capacity = graph->node_capacity == 0 ? 16 : graph->node_capacity * 2;
        struct driver_graph_node **grown = realloc(graph->nodes, capacity * sizeof *grown);
        if (grown == NULL)
            goto out;
        graph->nodes = grown;
        graph->node_capacity = capacity;
    }
    node = calloc(1, sizeof *node);
    if (node == NULL)
        goto out;
    *node = (struct driver_graph_node){DRIVER_GRAPH_NODE_MAGIC, graph, remote, type};
    graph->nodes[graph->node_count++] = node;
out:
    pthread_mutex_unlock(&lock);
    return node;
}

/* The server handles of count nodes, each a live node of graph; *remote is malloc'ed (NULL when count is 0). */
static CUresult dependency_handles(CUgraph graph, const CUgraphNode *nodes, size_t count, uint64_t **remote)
{
    *remote = NULL;
    if (count == 0)
        return CUDA_SUCCESS;
    if (nodes == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (count > MAX_DEPENDENCIES) {
        driver_log(DRIVER_LOG_WARN, "a graph node may depend on at most %d nodes through Orion (%zu asked)", MAX_DEPENDENCIES,
                   count);
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    uint64_t *handles = malloc(count * sizeof *handles);
    if (handles == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    for (size_t i = 0; i < count; i++) {
        if (!live_node(nodes[i]) || nodes[i]->graph != graph) {
            free(handles);
            return CUDA_ERROR_INVALID_VALUE;
        }
        handles[i] = nodes[i]->remote;
    }
    *remote = handles;
    return CUDA_SUCCESS;
}

/* The first lines of a call on a graph. */
static CUresult graph_target(CUgraph graph)
{
    CUresult result = driver_begin();
    return result != CUDA_SUCCESS ? result : live_graph(graph) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

/* ---- stream capture ---- */

static CUresult begin_capture(CUstream stream, int mode, int per_thread)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    if (mode < CU_STREAM_CAPTURE_MODE_GLOBAL || mode > CU_STREAM_CAPTURE_MODE_RELAXED)
        return CUDA_ERROR_INVALID_VALUE;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_stream_begin_capture(device, handle, &remote));
    if (result != CUDA_SUCCESS)
        return result;
    /* The graph the capture builds: cuStreamGetCaptureInfo may hand it out, cuStreamEndCapture will. */
    return new_graph(device, remote) != NULL ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

DRIVER_API CUresult cuStreamBeginCapture(CUstream stream) { return begin_capture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL, 0); }
DRIVER_API CUresult cuStreamBeginCapture_ptsz(CUstream stream)
{
    return begin_capture(stream, CU_STREAM_CAPTURE_MODE_GLOBAL, 1);
}
DRIVER_API CUresult cuStreamBeginCapture_v2(CUstream stream, int mode) { return begin_capture(stream, mode, 0); }
DRIVER_API CUresult cuStreamBeginCapture_v2_ptsz(CUstream stream, int mode) { return begin_capture(stream, mode, 1); }

static CUresult end_capture(CUstream stream, CUgraph *graph, int per_thread)
{
    int device;
    uint64_t handle;
    if (graph == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    *graph = NULL;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    /* The capture's graph, found first: a capture that ends without a graph takes it along. */
    int32_t status = 0;
    uint64_t id = 0, building = 0;
    CUgraph record = NULL;
    if (driver_client.orion_stream_get_capture_info(device, handle, &status, &id, &building) == 0 && building != 0)
        record = find_graph(device, building);
    uint64_t captured = 0;
    result = driver_result(driver_client.orion_stream_end_capture(device, handle, &captured));
    if (result == CUDA_SUCCESS) {
        if (record == NULL || record->remote != captured)
            record = find_graph(device, captured);
        *graph = record != NULL ? record : new_graph(device, captured);
        return *graph != NULL ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (record != NULL && driver_client.orion_stream_get_capture_info(device, handle, &status, &id, &building) == 0 &&
        status == CU_STREAM_CAPTURE_STATUS_NONE)
        kill_graph(record);
    return result;
}

DRIVER_API CUresult cuStreamEndCapture(CUstream stream, CUgraph *graph) { return end_capture(stream, graph, 0); }
DRIVER_API CUresult cuStreamEndCapture_ptsz(CUstream stream, CUgraph *graph) { return end_capture(stream, graph, 1); }

/* Per thread, the capture's dependencies last reported (valid until the thread asks again, as CUDA's
 * arrays are valid until the next capture call), and as many plain edges. */
static __thread CUgraphNode *reported_dependencies;
static __thread CUgraphEdgeData *reported_edges;
static __thread size_t reported_capacity;

static CUresult capture_dependencies(int device, uint64_t stream, CUgraph graph, const CUgraphNode **nodes,
                                     const CUgraphEdgeData **edges, size_t *count)
{
    uint64_t handles[MAX_DEPENDENCIES];
    uint64_t reported = 0;
    CUresult result = driver_result(
        driver_client.orion_stream_get_capture_dependencies(device, stream, handles, MAX_DEPENDENCIES, &reported));
    if (result != CUDA_SUCCESS)
        return result;
    if (reported > MAX_DEPENDENCIES)
        return CUDA_ERROR_NOT_SUPPORTED;
    if (reported > reported_capacity) {
        CUgraphNode *grown_nodes = realloc(reported_dependencies, reported * sizeof *grown_nodes);
        if (grown_nodes != NULL)
            reported_dependencies = grown_nodes;
        CUgraphEdgeData *grown_edges = realloc(reported_edges, reported * sizeof *grown_edges);
        if (grown_edges != NULL)
            reported_edges = grown_edges;
        if (grown_nodes == NULL || grown_edges == NULL)
            return CUDA_ERROR_OUT_OF_MEMORY;
        reported_capacity = reported;
    }
    for (uint64_t i = 0; i < reported; i++) {
        reported_dependencies[i] = node_record(graph, handles[i], -1);
        if (reported_dependencies[i] == NULL)
            return CUDA_ERROR_OUT_OF_MEMORY;
        memset(&reported_edges[i], 0, sizeof reported_edges[i]);
    }
    if (nodes != NULL)
        *nodes = reported_dependencies;
    if (edges != NULL)
        *edges = reported_edges;
    if (count != NULL)
        *count = (size_t)reported;
    return CUDA_SUCCESS;
}

static CUresult capture_info(CUstream stream, int per_thread, int *status, uint64_t *id, CUgraph *graph,
                             const CUgraphNode **dependencies, const CUgraphEdgeData **edges, size_t *count)
{
    int device;
    uint64_t handle;
    if (status == NULL || (edges != NULL && dependencies == NULL))
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    int32_t capture = 0;
    uint64_t capture_id = 0, building = 0;
    result = driver_result(driver_client.orion_stream_get_capture_info(device, handle, &capture, &capture_id, &building));
    if (result != CUDA_SUCCESS)
        return result;
    *status = capture;
    if (id != NULL)
        *id = capture_id;
    CUgraph record = capture == CU_STREAM_CAPTURE_STATUS_ACTIVE ? find_graph(device, building) : NULL;
    if (graph != NULL)
        *graph = record;
    if (dependencies != NULL)
        *dependencies = NULL;
    if (edges != NULL)
        *edges = NULL;
    if (count != NULL)
        *count = 0;
    if (record == NULL || (dependencies == NULL && count == NULL))
        return CUDA_SUCCESS;
    return capture_dependencies(device, handle, record, dependencies, edges, count);
}

DRIVER_API CUresult cuStreamIsCapturing(CUstream stream, int *status)
{
    return capture_info(stream, 0, status, NULL, NULL, NULL, NULL, NULL);
}
DRIVER_API CUresult cuStreamIsCapturing_ptsz(CUstream stream, int *status)
{
    return capture_info(stream, 1, status, NULL, NULL, NULL, NULL, NULL);
}

DRIVER_API CUresult cuStreamGetCaptureInfo(CUstream stream, int *status, uint64_t *id)
{
    return capture_info(stream, 0, status, id, NULL, NULL, NULL, NULL);
}
DRIVER_API CUresult cuStreamGetCaptureInfo_ptsz(CUstream stream, int *status, uint64_t *id)
{
    return capture_info(stream, 1, status, id, NULL, NULL, NULL, NULL);
}
DRIVER_API CUresult cuStreamGetCaptureInfo_v2(CUstream stream, int *status, uint64_t *id, CUgraph *graph,
                                              const CUgraphNode **dependencies, size_t *count)
{
    return capture_info(stream, 0, status, id, graph, dependencies, NULL, count);
}
DRIVER_API CUresult cuStreamGetCaptureInfo_v2_ptsz(CUstream stream, int *status, uint64_t *id, CUgraph *graph,
                                                   const CUgraphNode **dependencies, size_t *count)
{
    return capture_info(stream, 1, status, id, graph, dependencies, NULL, count);
}
DRIVER_API CUresult cuStreamGetCaptureInfo_v3(CUstream stream, int *status, uint64_t *id, CUgraph *graph,
                                              const CUgraphNode **dependencies, const CUgraphEdgeData **edges,
                                              size_t *count)
{
    return capture_info(stream, 0, status, id, graph, dependencies, edges, count);
}
DRIVER_API CUresult cuStreamGetCaptureInfo_v3_ptsz(CUstream stream, int *status, uint64_t *id, CUgraph *graph,
                                                   const CUgraphNode **dependencies, const CUgraphEdgeData **edges,
                                                   size_t *count)
{
    return capture_info(stream, 1, status, id, graph, dependencies, edges, count);
}

DRIVER_API CUresult cuThreadExchangeStreamCaptureMode(int *mode)
{
    if (mode == NULL || *mode < CU_STREAM_CAPTURE_MODE_GLOBAL || *mode > CU_STREAM_CAPTURE_MODE_RELAXED)
        return CUDA_ERROR_INVALID_VALUE;
    int previous = thread_capture_mode;
    thread_capture_mode = *mode;
    *mode = previous;
    return CUDA_SUCCESS;
}

/* ---- graphs ---- */

DRIVER_API CUresult cuGraphCreate(CUgraph *graph, unsigned int flags)
{
    int device;
    if (graph == NULL || flags != 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result == CUDA_SUCCESS)
        result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_graph_create(device, flags, &remote));
    if (result != CUDA_SUCCESS)
        return result;
    *graph = new_graph(device, remote);
    if (*graph == NULL) {
        driver_client.orion_graph_destroy(device, remote);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuGraphDestroy(CUgraph graph)
{
    CUresult result = graph_target(graph);
    if (result != CUDA_SUCCESS)
        return result;
    result = driver_result(driver_client.orion_graph_destroy(graph->device, graph->remote));
    if (result == CUDA_SUCCESS)
        kill_graph(graph);
    return result;
}

DRIVER_API CUresult cuGraphGetNodes(CUgraph graph, CUgraphNode *nodes, size_t *count)
{
    if (count == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = graph_target(graph);
    if (result != CUDA_SUCCESS)
        return result;
    size_t capacity = nodes == NULL ? 0 : *count;
    uint64_t *handles = NULL;
    if (capacity > 0 && (handles = calloc(capacity, sizeof *handles)) == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    uint64_t total = 0;
    result = driver_result(driver_client.orion_graph_get_nodes(graph->device, graph->remote, handles, capacity, &total));
    for (size_t i = 0; result == CUDA_SUCCESS && i < capacity; i++) {
        /* Past the graph's nodes the caller's array is filled with NULL, as CUDA fills it. */
        nodes[i] = i < total ? node_record(graph, handles[i], -1) : NULL;
        if (i < total && nodes[i] == NULL)
            result = CUDA_ERROR_OUT_OF_MEMORY;
    }
    free(handles);
    if (result == CUDA_SUCCESS)
        *count = (size_t)total;
    return result;
}

/* Adds the node the server created as remote, or gives the server's refusal. */
static CUresult added_node(CUgraph graph, CUresult result, uint64_t remote, int type, CUgraphNode *node)
{
    if (result != CUDA_SUCCESS)
        return result;
    *node = node_record(graph, remote, type);
    return *node != NULL ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

/*
 * A kernel node's parameters as the client takes them: the function on the graph's device, and the
 * arguments as argument pointers (args) or one packed buffer from extra, as cuLaunchKernel takes them.
 */
typedef struct kernel_arguments {
    uint64_t function;
    void **args;
    const void *packed;
    uint64_t packed_size;
} kernel_arguments;

static CUresult kernel_arguments_of(const CUDA_KERNEL_NODE_PARAMS_v2 *params, int device, kernel_arguments *out)
{
    struct driver_function *record;
    CUfunction function = params->func != NULL ? params->func : (CUfunction)params->kern;
    CUresult result = driver_resolve_function(function, device, &record);
    if (result != CUDA_SUCCESS)
        return result;
    *out = (kernel_arguments){record->remote, params->kernelParams, NULL, 0};
    if (params->extra == NULL)
        return CUDA_SUCCESS;
    if (params->kernelParams != NULL)
        return CUDA_ERROR_INVALID_VALUE;
    const size_t *size = NULL;
    for (int i = 0; params->extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
        if (i >= 64)
            return CUDA_ERROR_INVALID_VALUE;
        if (params->extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER)
            out->packed = params->extra[i + 1];
        else if (params->extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE)
            size = params->extra[i + 1];
        else
            return CUDA_ERROR_INVALID_VALUE;
    }
    if ((out->packed == NULL) != (size == NULL))
        return CUDA_ERROR_INVALID_VALUE;
    out->packed_size = size != NULL ? *size : 0;
    return CUDA_SUCCESS;
}

/* The original parameter struct is the _v2 one without kern and ctx. */
static CUDA_KERNEL_NODE_PARAMS_v2 kernel_params_from_v1(const void *v1)
{
    CUDA_KERNEL_NODE_PARAMS_v2 params;
    memset(&params, 0, sizeof params);
    memcpy(&params, v1, offsetof(CUDA_KERNEL_NODE_PARAMS_v2, kern));
    return params;
}

static CUresult add_kernel_node(CUgraphNode *node, CUgraph graph, const CUgraphNode *dependencies, size_t count,
                                const CUDA_KERNEL_NODE_PARAMS_v2 *params)
{
    if (node == NULL || params == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = graph_target(graph);
    kernel_arguments arguments;
    if (result == CUDA_SUCCESS)
        result = kernel_arguments_of(params, graph->device, &arguments);
    uint64_t *after = NULL;
    if (result == CUDA_SUCCESS)
        result = dependency_handles(graph, dependencies, count, &after);
    if (result != CUDA_SUCCESS)
        return result;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_graph_add_kernel_node(
        graph->device, graph->remote, after, count, arguments.function, params->gridDimX, params->gridDimY,
        params->gridDimZ, params->blockDimX, params->blockDimY, params->blockDimZ, params->sharedMemBytes, arguments.args,
        arguments.packed, arguments.packed_size, &remote));
    free(after);
    return added_node(graph, result, remote, CU_GRAPH_NODE_TYPE_KERNEL, node);
}

DRIVER_API CUresult cuGraphAddKernelNode(CUgraphNode *node, CUgraph graph, const CUgraphNode *dependencies, size_t count,
                                         const void *params)
{
    if (params == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUDA_KERNEL_NODE_PARAMS_v2 full = kernel_params_from_v1(params);
    return add_kernel_node(node, graph, dependencies, count, &full);
}

DRIVER_API CUresult cuGraphAddKernelNode_v2(CUgraphNode *node, CUgraph graph, const CUgraphNode *dependencies,
                                            size_t count, const CUDA_KERNEL_NODE_PARAMS_v2 *params)
{
    return add_kernel_node(node, graph, dependencies, count, params);
}

/* A context argument of a memset or memcpy node: none (the current one), or one of the graph's device. */
static CUresult node_context(CUgraph graph, CUcontext context)
{
    int device;
    CUresult result = driver_context_device(context, &device);
    return result != CUDA_SUCCESS ? result : device == graph->device ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

DRIVER_API CUresult cuGraphAddMemsetNode(CUgraphNode *node, CUgraph graph, const CUgraphNode *dependencies, size_t count,
                                         const CUDA_MEMSET_NODE_PARAMS *params, CUcontext context)
{
    if (node == NULL || params == NULL || (params->elementSize != 1 && params->elementSize != 2 && params->elementSize != 4))
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = graph_target(graph);
    if (result == CUDA_SUCCESS)
        result = node_context(graph, context);
    uint64_t *after = NULL;
    if (result == CUDA_SUCCESS)
        result = dependency_handles(graph, dependencies, count, &after);
    if (result != CUDA_SUCCESS)
        return result;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_graph_add_memset_node(graph->device, graph->remote, after, count, params->dst,
                                                                     params->pitch, params->value, (int32_t)params->elementSize,
                                                                     params->width, params->height, &remote));
    free(after);
    return added_node(graph, result, remote, CU_GRAPH_NODE_TYPE_MEMSET, node);
}

/* One side of a 3D copy as a device address (device memory, or unified addressing of device memory). */
static CUresult copy_side(int memory_type, CUdeviceptr device_pointer, const void *host, const void *array, size_t x, size_t y,
                          size_t z, size_t lod, size_t pitch, uint64_t *address)
{
    if (array != NULL || z != 0 || lod != 0)
        return CUDA_ERROR_NOT_SUPPORTED;
    uint64_t base = device_pointer;
    if (memory_type == CU_MEMORYTYPE_UNIFIED) {
        driver_range range;
        if ((!driver_ranges_find(device_pointer, &range) || range.memory_type != CU_MEMORYTYPE_DEVICE) &&
            !driver_vmm_reserved(device_pointer))
            memory_type = CU_MEMORYTYPE_HOST;
    } else if (memory_type == CU_MEMORYTYPE_HOST) {
        base = driver_address(host);
    }
    if (memory_type != CU_MEMORYTYPE_DEVICE && memory_type != CU_MEMORYTYPE_UNIFIED) {
        /* The node would run on the server, which cannot reach this process's memory. */
        driver_log(DRIVER_LOG_WARN, "a graph memcpy node with host memory is not supported through Orion");
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    *address = base + y * pitch + x;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuGraphAddMemcpyNode(CUgraphNode *node, CUgraph graph, const CUgraphNode *dependencies, size_t count,
                                         const CUDA_MEMCPY3D *copy, CUcontext context)
{
    if (node == NULL || copy == NULL || copy->Depth == 0)
        return CUDA_ERROR_INVALID_VALUE;
    if (copy->Depth > 1)
        DRIVER_NOT_SUPPORTED("cuGraphAddMemcpyNode of more than one layer");
    CUresult result = graph_target(graph);
    if (result == CUDA_SUCCESS)
        result = node_context(graph, context);
    /* A single row needs no pitch; the node is copied row by row between pitches otherwise. */
    size_t source_pitch = copy->Height <= 1 && copy->srcPitch == 0 ? copy->WidthInBytes : copy->srcPitch;
    size_t destination_pitch = copy->Height <= 1 && copy->dstPitch == 0 ? copy->WidthInBytes : copy->dstPitch;
    uint64_t source = 0, destination = 0;
    if (result == CUDA_SUCCESS)
        result = copy_side(copy->srcMemoryType, copy->srcDevice, copy->srcHost, copy->srcArray, copy->srcXInBytes, copy->srcY,
                           copy->srcZ, copy->srcLOD, source_pitch, &source);
    if (result == CUDA_SUCCESS)
        result = copy_side(copy->dstMemoryType, copy->dstDevice, copy->dstHost, copy->dstArray, copy->dstXInBytes, copy->dstY,
                           copy->dstZ, copy->dstLOD, destination_pitch, &destination);
    uint64_t *after = NULL;
    if (result == CUDA_SUCCESS)
        result = dependency_handles(graph, dependencies, count, &after);
    if (result != CUDA_SUCCESS)
        return result;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_graph_add_memcpy_node(graph->device, graph->remote, after, count, destination,
                                                                     destination_pitch, source, source_pitch,
                                                                     copy->WidthInBytes, copy->Height, &remote));
    free(after);
    return added_node(graph, result, remote, CU_GRAPH_NODE_TYPE_MEMCPY, node);
}

DRIVER_API CUresult cuGraphAddEmptyNode(CUgraphNode *node, CUgraph graph, const CUgraphNode *dependencies, size_t count)
{
    if (node == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = graph_target(graph);
    uint64_t *after = NULL;
    if (result == CUDA_SUCCESS)
        result = dependency_handles(graph, dependencies, count, &after);
    if (result != CUDA_SUCCESS)
        return result;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_graph_add_empty_node(graph->device, graph->remote, after, count, &remote));
    free(after);
    return added_node(graph, result, remote, CU_GRAPH_NODE_TYPE_EMPTY, node);
}

static CUresult add_dependencies(CUgraph graph, const CUgraphNode *from, const CUgraphNode *to,
                                 const CUgraphEdgeData *edges, size_t count)
{
    CUresult result = graph_target(graph);
    if (result != CUDA_SUCCESS)
        return result;
    if (count == 0)
        return CUDA_SUCCESS;
    for (size_t i = 0; edges != NULL && i < count; i++)
        if (edges[i].from_port != 0 || edges[i].to_port != 0 || edges[i].type != 0)
            DRIVER_NOT_SUPPORTED("cuGraphAddDependencies with edge data");
    uint64_t *before = NULL, *after = NULL;
    result = dependency_handles(graph, from, count, &before);
    if (result == CUDA_SUCCESS)
        result = dependency_handles(graph, to, count, &after);
    if (result == CUDA_SUCCESS)
        result = driver_result(driver_client.orion_graph_add_dependencies(graph->device, graph->remote, before, after, count));
    free(before);
    free(after);
    return result;
}

DRIVER_API CUresult cuGraphAddDependencies(CUgraph graph, const CUgraphNode *from, const CUgraphNode *to, size_t count)
{
    return add_dependencies(graph, from, to, NULL, count);
}

DRIVER_API CUresult cuGraphAddDependencies_v2(CUgraph graph, const CUgraphNode *from, const CUgraphNode *to,
                                              const CUgraphEdgeData *edges, size_t count)
{
    return add_dependencies(graph, from, to, edges, count);
}

DRIVER_API CUresult cuGraphNodeGetType(CUgraphNode node, int *type)
{
    if (type == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_node(node))
        return CUDA_ERROR_INVALID_HANDLE;
    int known = __atomic_load_n(&node->type, __ATOMIC_RELAXED);
    if (known < 0) {
        int32_t remote_type = 0;
        result = driver_result(driver_client.orion_graph_node_get_type(node->graph->device, node->remote, &remote_type));
        if (result != CUDA_SUCCESS)
            return result;
        known = remote_type;
        __atomic_store_n(&node->type, known, __ATOMIC_RELAXED);
    }
    *type = known;
    return CUDA_SUCCESS;
}

static CUresult kernel_node_set_params(CUgraphNode node, const CUDA_KERNEL_NODE_PARAMS_v2 *params)
{
    if (params == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_node(node))
        return CUDA_ERROR_INVALID_HANDLE;
    kernel_arguments arguments;
    result = kernel_arguments_of(params, node->graph->device, &arguments);
    if (result != CUDA_SUCCESS)
        return result;
    return driver_result(driver_client.orion_graph_kernel_node_set_params(
        node->graph->device, node->remote, arguments.function, params->gridDimX, params->gridDimY, params->gridDimZ,
        params->blockDimX, params->blockDimY, params->blockDimZ, params->sharedMemBytes, arguments.args, arguments.packed,
        arguments.packed_size));
}

DRIVER_API CUresult cuGraphKernelNodeSetParams(CUgraphNode node, const void *params)
{
    if (params == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUDA_KERNEL_NODE_PARAMS_v2 full = kernel_params_from_v1(params);
    return kernel_node_set_params(node, &full);
}

DRIVER_API CUresult cuGraphKernelNodeSetParams_v2(CUgraphNode node, const CUDA_KERNEL_NODE_PARAMS_v2 *params)
{
    return kernel_node_set_params(node, params);
}

/* ---- executable graphs ---- */

static CUresult instantiate(CUgraphExec *exec, CUgraph graph, uint64_t flags)
{
    if (exec == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = graph_target(graph);
    if (result != CUDA_SUCCESS)
        return result;
    struct driver_graph_exec *record = calloc(1, sizeof *record);
    if (record == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_graph_instantiate(graph->device, graph->remote, flags, &remote));
    if (result != CUDA_SUCCESS) {
        free(record);
        return result;
    }
    *record = (struct driver_graph_exec){0, graph->device, remote};
    __atomic_store_n(&record->magic, DRIVER_GRAPH_EXEC_MAGIC, __ATOMIC_RELEASE);
    *exec = record;
    return CUDA_SUCCESS;
}

/* The original form reports a failing node and a log; Orion names no node and leaves the log empty. */
static CUresult instantiate_with_log(CUgraphExec *exec, CUgraph graph, CUgraphNode *error_node, char *log, size_t log_size)
{
    if (error_node != NULL)
        *error_node = NULL;
    if (log != NULL && log_size > 0)
        log[0] = '\0';
    return instantiate(exec, graph, 0);
}

DRIVER_API CUresult cuGraphInstantiate(CUgraphExec *exec, CUgraph graph, CUgraphNode *error_node, char *log, size_t log_size)
{
    return instantiate_with_log(exec, graph, error_node, log, log_size);
}

DRIVER_API CUresult cuGraphInstantiate_v2(CUgraphExec *exec, CUgraph graph, CUgraphNode *error_node, char *log,
                                          size_t log_size)
{
    return instantiate_with_log(exec, graph, error_node, log, log_size);
}

DRIVER_API CUresult cuGraphInstantiateWithFlags(CUgraphExec *exec, CUgraph graph, unsigned long long flags)
{
    /* Uploading at instantiation needs the parameters' stream (cuGraphInstantiateWithParams). */
    if (flags & CUDA_GRAPH_INSTANTIATE_FLAG_UPLOAD)
        return CUDA_ERROR_INVALID_VALUE;
    return instantiate(exec, graph, flags);
}

static CUresult graph_on_stream(CUgraphExec exec, CUstream stream, int per_thread, int upload)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_exec(exec))
        return CUDA_ERROR_INVALID_HANDLE;
    if (exec->device != device)
        return CUDA_ERROR_INVALID_VALUE;
    if (!upload && (result = driver_mapped_before_device_work(device, handle)) != CUDA_SUCCESS)
        return result;
    return driver_result(upload ? driver_client.orion_graph_upload(device, exec->remote, handle)
                                : driver_client.orion_graph_launch(device, exec->remote, handle));
}

static CUresult instantiate_with_params(CUgraphExec *exec, CUgraph graph, CUDA_GRAPH_INSTANTIATE_PARAMS *params, int per_thread)
{
    if (params == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    params->hErrNode_out = NULL;
    params->result_out = CUDA_GRAPH_INSTANTIATE_ERROR;
    CUresult result = instantiate(exec, graph, params->flags & ~(uint64_t)CUDA_GRAPH_INSTANTIATE_FLAG_UPLOAD);
    if (result == CUDA_SUCCESS && (params->flags & CUDA_GRAPH_INSTANTIATE_FLAG_UPLOAD)) {
        result = graph_on_stream(*exec, params->hUploadStream, per_thread, 1);
        if (result != CUDA_SUCCESS) {
            driver_client.orion_graph_exec_destroy((*exec)->device, (*exec)->remote);
            __atomic_store_n(&(*exec)->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
            *exec = NULL;
        }
    }
    if (result == CUDA_SUCCESS)
        params->result_out = CUDA_GRAPH_INSTANTIATE_SUCCESS;
    return result;
}

DRIVER_API CUresult cuGraphInstantiateWithParams(CUgraphExec *exec, CUgraph graph, CUDA_GRAPH_INSTANTIATE_PARAMS *params)
{
    return instantiate_with_params(exec, graph, params, 0);
}

DRIVER_API CUresult cuGraphInstantiateWithParams_ptsz(CUgraphExec *exec, CUgraph graph,
                                                       CUDA_GRAPH_INSTANTIATE_PARAMS *params)
{
    return instantiate_with_params(exec, graph, params, 1);
}

DRIVER_API CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream) { return graph_on_stream(exec, stream, 0, 0); }
DRIVER_API CUresult cuGraphLaunch_ptsz(CUgraphExec exec, CUstream stream) { return graph_on_stream(exec, stream, 1, 0); }
DRIVER_API CUresult cuGraphUpload(CUgraphExec exec, CUstream stream) { return graph_on_stream(exec, stream, 0, 1); }
DRIVER_API CUresult cuGraphUpload_ptsz(CUgraphExec exec, CUstream stream) { return graph_on_stream(exec, stream, 1, 1); }

DRIVER_API CUresult cuGraphExecDestroy(CUgraphExec exec)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_exec(exec))
        return CUDA_ERROR_INVALID_HANDLE;
    result = driver_result(driver_client.orion_graph_exec_destroy(exec->device, exec->remote));
    if (result == CUDA_SUCCESS)
        __atomic_store_n(&exec->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    return result;
}

static CUresult exec_kernel_node_set_params(CUgraphExec exec, CUgraphNode node, const CUDA_KERNEL_NODE_PARAMS_v2 *params)
{
    if (params == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_exec(exec) || !live_node(node))
        return CUDA_ERROR_INVALID_HANDLE;
    if (node->graph->device != exec->device)
        return CUDA_ERROR_INVALID_VALUE;
    kernel_arguments arguments;
    result = kernel_arguments_of(params, exec->device, &arguments);
    if (result != CUDA_SUCCESS)
        return result;
    return driver_result(driver_client.orion_graph_exec_kernel_node_set_params(
        exec->device, exec->remote, node->remote, arguments.function, params->gridDimX, params->gridDimY, params->gridDimZ,
        params->blockDimX, params->blockDimY, params->blockDimZ, params->sharedMemBytes, arguments.args, arguments.packed,
        arguments.packed_size));
}

DRIVER_API CUresult cuGraphExecKernelNodeSetParams(CUgraphExec exec, CUgraphNode node, const void *params)
{
    if (params == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUDA_KERNEL_NODE_PARAMS_v2 full = kernel_params_from_v1(params);
    return exec_kernel_node_set_params(exec, node, &full);
}

DRIVER_API CUresult cuGraphExecKernelNodeSetParams_v2(CUgraphExec exec, CUgraphNode node,
                                                      const CUDA_KERNEL_NODE_PARAMS_v2 *params)
{
    return exec_kernel_node_set_params(exec, node, params);
}
