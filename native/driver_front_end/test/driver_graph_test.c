/*
 * Stream capture and CUDA graphs through Orion's libcuda.so.1, run in CI against the real client and
 * a server with the emulated device (tests/Orion.CudartStub.Tests), which knows the three kernels
 * used here. The same work as tests/cuda/library-programs/16_cuda_graphs.cu, through the driver API:
 * a capture (two kernels and a device-to-device copy, plus a memset forked onto a second stream and
 * joined back) launched 100 times; an explicit graph (memset -> kernel -> kernel) launched 50 times,
 * one kernel's argument changed in the executable graph, launched 10 more times. Around that, what
 * the front end and the server must refuse: host copies and host functions on a capturing stream
 * (the capture survives), a capture invalidated by a synchronize, the legacy stream, nodes of
 * another graph, destroyed handles.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_driver_abi.h"

CUresult cuInit(unsigned int);
CUresult cuDeviceGet(CUdevice *, int);
CUresult cuDevicePrimaryCtxRetain(CUcontext *, CUdevice);
CUresult cuCtxSetCurrent(CUcontext);
CUresult cuMemAlloc_v2(CUdeviceptr *, size_t);
CUresult cuMemFree_v2(CUdeviceptr);
CUresult cuMemcpyDtoH_v2(void *, CUdeviceptr, size_t);
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr, const void *, size_t, CUstream);
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr, CUdeviceptr, size_t, CUstream);
CUresult cuMemsetD32_v2(CUdeviceptr, unsigned int, size_t);
CUresult cuMemsetD32Async(CUdeviceptr, unsigned int, size_t, CUstream);
CUresult cuModuleLoadData(CUmodule *, const void *);
CUresult cuModuleGetFunction(CUfunction *, CUmodule, const char *);
CUresult cuLaunchKernel(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                        void **, void **);
CUresult cuLaunchHostFunc(CUstream, CUhostFn, void *);
CUresult cuStreamCreate(CUstream *, unsigned int);
CUresult cuStreamDestroy_v2(CUstream);
CUresult cuStreamSynchronize(CUstream);
CUresult cuStreamWaitEvent(CUstream, CUevent, unsigned int);
CUresult cuEventCreate(CUevent *, unsigned int);
CUresult cuEventRecord(CUevent, CUstream);
CUresult cuEventDestroy_v2(CUevent);
CUresult cuStreamBeginCapture_v2(CUstream, int);
CUresult cuStreamEndCapture(CUstream, CUgraph *);
CUresult cuStreamIsCapturing(CUstream, int *);
CUresult cuStreamGetCaptureInfo_v2(CUstream, int *, uint64_t *, CUgraph *, const CUgraphNode **, size_t *);
CUresult cuStreamGetCaptureInfo_v3(CUstream, int *, uint64_t *, CUgraph *, const CUgraphNode **, const CUgraphEdgeData **,
                                   size_t *);
CUresult cuThreadExchangeStreamCaptureMode(int *);
CUresult cuGraphCreate(CUgraph *, unsigned int);
CUresult cuGraphDestroy(CUgraph);
CUresult cuGraphGetNodes(CUgraph, CUgraphNode *, size_t *);
CUresult cuGraphAddKernelNode_v2(CUgraphNode *, CUgraph, const CUgraphNode *, size_t, const CUDA_KERNEL_NODE_PARAMS_v2 *);
CUresult cuGraphAddMemsetNode(CUgraphNode *, CUgraph, const CUgraphNode *, size_t, const CUDA_MEMSET_NODE_PARAMS *, CUcontext);
CUresult cuGraphAddMemcpyNode(CUgraphNode *, CUgraph, const CUgraphNode *, size_t, const CUDA_MEMCPY3D *, CUcontext);
CUresult cuGraphAddEmptyNode(CUgraphNode *, CUgraph, const CUgraphNode *, size_t);
CUresult cuGraphAddDependencies(CUgraph, const CUgraphNode *, const CUgraphNode *, size_t);
CUresult cuGraphNodeGetType(CUgraphNode, int *);
CUresult cuGraphKernelNodeSetParams_v2(CUgraphNode, const CUDA_KERNEL_NODE_PARAMS_v2 *);
CUresult cuGraphInstantiateWithFlags(CUgraphExec *, CUgraph, unsigned long long);
CUresult cuGraphInstantiateWithParams(CUgraphExec *, CUgraph, CUDA_GRAPH_INSTANTIATE_PARAMS *);
CUresult cuGraphInstantiate_v2(CUgraphExec *, CUgraph, CUgraphNode *, char *, size_t);
CUresult cuGraphLaunch(CUgraphExec, CUstream);
CUresult cuGraphUpload(CUgraphExec, CUstream);
CUresult cuGraphExecDestroy(CUgraphExec);
CUresult cuGraphExecKernelNodeSetParams_v2(CUgraphExec, CUgraphNode, const CUDA_KERNEL_NODE_PARAMS_v2 *);

#include "driver_test_check.h"

#define N 4096
#define THREADS 256
#define BLOCKS (N / THREADS)

static void on_host(void *data) { (void)data; }

static CUDA_KERNEL_NODE_PARAMS_v2 kernel_params(CUfunction function, void **args)
{
    CUDA_KERNEL_NODE_PARAMS_v2 params;
    memset(&params, 0, sizeof params);
    params.func = function;
    params.gridDimX = BLOCKS, params.gridDimY = 1, params.gridDimZ = 1;
    params.blockDimX = THREADS, params.blockDimY = 1, params.blockDimZ = 1;
    params.kernelParams = args;
    return params;
}

static int count_type(CUgraphNode *nodes, size_t count, int wanted)
{
    int found = 0;
    for (size_t i = 0; i < count; i++) {
        int type = -1;
        if (cuGraphNodeGetType(nodes[i], &type) == CUDA_SUCCESS && type == wanted)
            found++;
    }
    return found;
}

int main(void)
{
    CUdevice device;
    CUcontext context;
    EXPECT_OK(cuInit(0));
    EXPECT_OK(cuDeviceGet(&device, 0));
    EXPECT_OK(cuDevicePrimaryCtxRetain(&context, device));
    EXPECT_OK(cuCtxSetCurrent(context));
    CUmodule module;
    CUfunction add_pattern, add_const, accumulate;
    EXPECT_OK(cuModuleLoadData(&module, fatbin));
    EXPECT_OK(cuModuleGetFunction(&add_pattern, module, "orion_test_add_pattern"));
    EXPECT_OK(cuModuleGetFunction(&add_const, module, "orion_test_add_const"));
    EXPECT_OK(cuModuleGetFunction(&accumulate, module, "orion_test_accumulate"));

    CUdeviceptr x, y, z, w, acc;
    EXPECT_OK(cuMemAlloc_v2(&x, N * 4));
    EXPECT_OK(cuMemAlloc_v2(&y, N * 4));
    EXPECT_OK(cuMemAlloc_v2(&z, N * 4));
    EXPECT_OK(cuMemAlloc_v2(&w, N * 4));
    EXPECT_OK(cuMemAlloc_v2(&acc, N * 8));
    EXPECT_OK(cuMemsetD32_v2(x, 0, N));
    EXPECT_OK(cuMemsetD32_v2(acc, 0, N * 2));
    CUstream stream, side;
    EXPECT_OK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
    EXPECT_OK(cuStreamCreate(&side, CU_STREAM_NON_BLOCKING));
    CUevent fork, join;
    EXPECT_OK(cuEventCreate(&fork, CU_EVENT_DISABLE_TIMING));
    EXPECT_OK(cuEventCreate(&join, CU_EVENT_DISABLE_TIMING));

    /* The capture mode is the thread's own; a bad one is refused. */
    int mode = CU_STREAM_CAPTURE_MODE_RELAXED;
    EXPECT_OK(cuThreadExchangeStreamCaptureMode(&mode));
    EXPECT(mode == CU_STREAM_CAPTURE_MODE_GLOBAL);
    EXPECT_OK(cuThreadExchangeStreamCaptureMode(&mode));
    EXPECT(mode == CU_STREAM_CAPTURE_MODE_RELAXED);
    mode = 7;
    EXPECT(cuThreadExchangeStreamCaptureMode(&mode) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuStreamBeginCapture_v2(stream, 7) == CUDA_ERROR_INVALID_VALUE);

    /* Part 1: capture x += i%7; y = x; y += 1000; and w = 5 on a forked stream, joined back. */
    int status = -1;
    EXPECT_OK(cuStreamIsCapturing(stream, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_NONE);
    EXPECT(cuStreamBeginCapture_v2(NULL, CU_STREAM_CAPTURE_MODE_GLOBAL) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
    EXPECT_OK(cuStreamBeginCapture_v2(stream, CU_STREAM_CAPTURE_MODE_GLOBAL));
    EXPECT_OK(cuStreamIsCapturing(stream, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_ACTIVE);
    uint64_t id = 0;
    CUgraph building = NULL;
    const CUgraphNode *dependencies = NULL;
    const CUgraphEdgeData *edges = NULL;
    size_t dependency_count = 99;
    EXPECT_OK(cuStreamGetCaptureInfo_v3(stream, &status, &id, &building, &dependencies, &edges, &dependency_count));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_ACTIVE && id != 0 && building != NULL && dependency_count == 0);

    int n = N, mod = 7, thousand = 1000, five = 5;
    void *pattern_args[] = {&x, &n, &mod};
    EXPECT_OK(cuLaunchKernel(add_pattern, BLOCKS, 1, 1, THREADS, 1, 1, 0, stream, pattern_args, NULL));
    EXPECT_OK(cuMemcpyDtoDAsync_v2(y, x, N * 4, stream));
    EXPECT_OK(cuEventRecord(fork, stream));
    EXPECT_OK(cuStreamWaitEvent(side, fork, 0)); /* side joins the capture */
    EXPECT_OK(cuStreamIsCapturing(side, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_ACTIVE);
    EXPECT_OK(cuMemsetD32Async(w, (unsigned int)five, N, side));
    EXPECT_OK(cuEventRecord(join, side));
    void *const_args[] = {&y, &n, &thousand};
    EXPECT_OK(cuLaunchKernel(add_const, BLOCKS, 1, 1, THREADS, 1, 1, 0, stream, const_args, NULL));
    EXPECT_OK(cuStreamWaitEvent(stream, join, 0)); /* joined back */

    /* The capture now ends in two nodes (the kernel and the memset), each reported with one record. */
    CUgraph same = NULL;
    uint64_t same_id = 0;
    EXPECT_OK(cuStreamGetCaptureInfo_v2(stream, &status, &same_id, &same, &dependencies, &dependency_count));
    EXPECT(same == building && same_id == id && dependency_count == 2);
    CUgraphNode tail[2] = {dependency_count == 2 ? dependencies[0] : NULL, dependency_count == 2 ? dependencies[1] : NULL};
    EXPECT_OK(cuStreamGetCaptureInfo_v2(stream, &status, &same_id, &same, &dependencies, &dependency_count));
    EXPECT(dependency_count == 2 && dependencies[0] == tail[0] && dependencies[1] == tail[1]);

    /* What cannot be captured through Orion fails, and the capture goes on as it was. */
    int host_value = 3;
    EXPECT(cuMemcpyHtoDAsync_v2(z, &host_value, sizeof host_value, stream) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
    EXPECT(cuLaunchHostFunc(stream, on_host, NULL) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
    EXPECT_OK(cuStreamIsCapturing(stream, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_ACTIVE);

    CUgraph captured = NULL;
    EXPECT_OK(cuStreamEndCapture(stream, &captured));
    EXPECT(captured != NULL && captured == building);
    EXPECT_OK(cuStreamIsCapturing(stream, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_NONE);
    EXPECT_OK(cuStreamIsCapturing(side, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_NONE);

    size_t node_count = 0;
    EXPECT_OK(cuGraphGetNodes(captured, NULL, &node_count));
    EXPECT(node_count == 4);
    CUgraphNode nodes[6] = {0};
    size_t capacity = 6;
    EXPECT_OK(cuGraphGetNodes(captured, nodes, &capacity));
    EXPECT(capacity == 4 && nodes[4] == NULL && nodes[5] == NULL);
    EXPECT(count_type(nodes, 4, CU_GRAPH_NODE_TYPE_KERNEL) == 2 && count_type(nodes, 4, CU_GRAPH_NODE_TYPE_MEMCPY) == 1 &&
           count_type(nodes, 4, CU_GRAPH_NODE_TYPE_MEMSET) == 1);
    CUgraphNode again[4] = {0};
    capacity = 4;
    EXPECT_OK(cuGraphGetNodes(captured, again, &capacity));
    EXPECT(memcmp(nodes, again, sizeof again) == 0); /* one record per node */

    CUgraphExec captured_exec = NULL;
    EXPECT_OK(cuGraphInstantiateWithFlags(&captured_exec, captured, 0));
    for (int i = 0; i < 100; i++)
        EXPECT_OK(cuGraphLaunch(captured_exec, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    static int hx[N], hy[N], hw[N];
    EXPECT_OK(cuMemcpyDtoH_v2(hx, x, sizeof hx));
    EXPECT_OK(cuMemcpyDtoH_v2(hy, y, sizeof hy));
    EXPECT_OK(cuMemcpyDtoH_v2(hw, w, sizeof hw));
    int captured_ok = 1;
    for (int i = 0; i < N; i++)
        if (hx[i] != 100 * (i % 7) || hy[i] != 100 * (i % 7) + 1000 || hw[i] != 5)
            captured_ok = 0;
    EXPECT(captured_ok);

    /* A synchronize on a capturing stream invalidates the capture: ending it gives no graph. */
    EXPECT_OK(cuStreamBeginCapture_v2(stream, CU_STREAM_CAPTURE_MODE_RELAXED));
    EXPECT_OK(cuLaunchKernel(add_const, BLOCKS, 1, 1, THREADS, 1, 1, 0, stream, const_args, NULL));
    EXPECT(cuStreamSynchronize(stream) != CUDA_SUCCESS);
    EXPECT_OK(cuStreamIsCapturing(stream, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_INVALIDATED);
    CUgraph invalid = (CUgraph)&status;
    EXPECT(cuStreamEndCapture(stream, &invalid) == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED && invalid == NULL);
    EXPECT_OK(cuStreamIsCapturing(stream, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_NONE);
    EXPECT(cuStreamEndCapture(stream, &invalid) != CUDA_SUCCESS); /* nothing to end */

    /* A capture ends only on the stream it began on; CUDA may then invalidate it. */
    EXPECT_OK(cuStreamBeginCapture_v2(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
    EXPECT_OK(cuEventRecord(fork, stream));
    EXPECT_OK(cuStreamWaitEvent(side, fork, 0));
    EXPECT_OK(cuMemsetD32Async(w, 1, N, side));
    EXPECT_OK(cuEventRecord(join, side));
    CUgraph unmatched = (CUgraph)&status;
    EXPECT(cuStreamEndCapture(side, &unmatched) == CUDA_ERROR_STREAM_CAPTURE_UNMATCHED && unmatched == NULL);
    EXPECT_OK(cuStreamWaitEvent(stream, join, 0));
    CUresult ended = cuStreamEndCapture(stream, &unmatched);
    EXPECT(ended == CUDA_SUCCESS || (ended == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED && unmatched == NULL));
    if (ended == CUDA_SUCCESS)
        EXPECT_OK(cuGraphDestroy(unmatched));
    EXPECT_OK(cuStreamIsCapturing(side, &status));
    EXPECT(status == CU_STREAM_CAPTURE_STATUS_NONE);

    /* Part 2: an explicit graph, memset z = 0 -> z += i%11 -> acc += z*factor. */
    CUgraph graph;
    EXPECT(cuGraphCreate(&graph, 1) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuGraphCreate(&graph, 0));
    CUDA_MEMSET_NODE_PARAMS memset_params = {z, N * 4, 0, 4, N, 1};
    CUgraphNode memset_node, pattern_node, accumulate_node, empty_node;
    EXPECT_OK(cuGraphAddMemsetNode(&memset_node, graph, NULL, 0, &memset_params, NULL));
    int eleven = 11, factor = 2;
    void *pattern11_args[] = {&z, &n, &eleven};
    CUDA_KERNEL_NODE_PARAMS_v2 pattern_params = kernel_params(add_pattern, pattern11_args);
    EXPECT(cuGraphAddKernelNode_v2(&pattern_node, graph, &nodes[0], 1, &pattern_params) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuGraphAddKernelNode_v2(&pattern_node, graph, &memset_node, 1, &pattern_params));
    /* The accumulate node's arguments as one packed buffer: acc, z, n, factor. */
    unsigned char packed[24];
    memcpy(packed, &acc, 8), memcpy(packed + 8, &z, 8), memcpy(packed + 16, &n, 4), memcpy(packed + 20, &factor, 4);
    size_t packed_size = sizeof packed;
    void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, packed, CU_LAUNCH_PARAM_BUFFER_SIZE, &packed_size, CU_LAUNCH_PARAM_END};
    CUDA_KERNEL_NODE_PARAMS_v2 accumulate_params = kernel_params(accumulate, NULL);
    accumulate_params.extra = extra;
    EXPECT_OK(cuGraphAddKernelNode_v2(&accumulate_node, graph, &pattern_node, 1, &accumulate_params));
    EXPECT_OK(cuGraphAddEmptyNode(&empty_node, graph, NULL, 0));
    EXPECT_OK(cuGraphAddDependencies(graph, &accumulate_node, &empty_node, 1));
    EXPECT(cuGraphAddDependencies(graph, &accumulate_node, &nodes[0], 1) == CUDA_ERROR_INVALID_VALUE); /* another graph's */
    int type = -1;
    EXPECT_OK(cuGraphNodeGetType(accumulate_node, &type));
    EXPECT(type == CU_GRAPH_NODE_TYPE_KERNEL);
    EXPECT_OK(cuGraphNodeGetType(empty_node, &type));
    EXPECT(type == CU_GRAPH_NODE_TYPE_EMPTY);
    node_count = 0;
    EXPECT_OK(cuGraphGetNodes(graph, NULL, &node_count));
    EXPECT(node_count == 4);
    /* Copies with this process's memory cannot be nodes on the server. */
    CUDA_MEMCPY3D host_copy;
    memset(&host_copy, 0, sizeof host_copy);
    host_copy.srcMemoryType = CU_MEMORYTYPE_HOST, host_copy.srcHost = hx;
    host_copy.dstMemoryType = CU_MEMORYTYPE_DEVICE, host_copy.dstDevice = z;
    host_copy.WidthInBytes = 16, host_copy.Height = 1, host_copy.Depth = 1;
    CUgraphNode refused;
    EXPECT(cuGraphAddMemcpyNode(&refused, graph, NULL, 0, &host_copy, NULL) == CUDA_ERROR_NOT_SUPPORTED);

    CUgraphExec exec;
    EXPECT_OK(cuGraphInstantiateWithFlags(&exec, graph, 0));
    for (int i = 0; i < 50; i++)
        EXPECT_OK(cuGraphLaunch(exec, stream));
    factor = 3; /* parameters are copied when set: the new value goes in through SetParams */
    memcpy(packed + 20, &factor, 4);
    EXPECT_OK(cuGraphExecKernelNodeSetParams_v2(exec, accumulate_node, &accumulate_params));
    EXPECT(cuGraphExecKernelNodeSetParams_v2(exec, nodes[0], &accumulate_params) != CUDA_SUCCESS); /* not its graph's node */
    for (int i = 0; i < 10; i++)
        EXPECT_OK(cuGraphLaunch(exec, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    static long long hacc[N];
    EXPECT_OK(cuMemcpyDtoH_v2(hacc, acc, sizeof hacc));
    int explicit_ok = 1;
    for (int i = 0; i < N; i++)
        if (hacc[i] != (long long)(i % 11) * (50 * 2 + 10 * 3))
            explicit_ok = 0;
    EXPECT(explicit_ok);

    /* The graph itself still has factor 2; a node changed in the graph shows in a new instantiation. */
    factor = 1;
    void *accumulate_args[] = {&acc, &z, &n, &factor};
    CUDA_KERNEL_NODE_PARAMS_v2 changed = kernel_params(accumulate, accumulate_args);
    EXPECT_OK(cuGraphKernelNodeSetParams_v2(accumulate_node, &changed));
    EXPECT_OK(cuMemsetD32_v2(acc, 0, N * 2));
    CUgraphExec uploaded = NULL;
    CUDA_GRAPH_INSTANTIATE_PARAMS instantiate = {CUDA_GRAPH_INSTANTIATE_FLAG_UPLOAD, stream, NULL, -1};
    EXPECT_OK(cuGraphInstantiateWithParams(&uploaded, graph, &instantiate));
    EXPECT(instantiate.result_out == CUDA_GRAPH_INSTANTIATE_SUCCESS && uploaded != NULL);
    EXPECT_OK(cuGraphUpload(uploaded, stream));
    EXPECT_OK(cuGraphLaunch(uploaded, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    EXPECT_OK(cuMemcpyDtoH_v2(hacc, acc, sizeof hacc));
    EXPECT(hacc[1] == 1 && hacc[10] == 10 && hacc[11] == 0);

    /* A device-to-device memcpy node, instantiated the original way. */
    CUgraph copy_graph;
    EXPECT_OK(cuGraphCreate(&copy_graph, 0));
    CUDA_MEMCPY3D device_copy;
    memset(&device_copy, 0, sizeof device_copy);
    device_copy.srcMemoryType = CU_MEMORYTYPE_DEVICE, device_copy.srcDevice = x;
    device_copy.dstMemoryType = CU_MEMORYTYPE_DEVICE, device_copy.dstDevice = z;
    device_copy.WidthInBytes = N * 4, device_copy.Height = 1, device_copy.Depth = 1;
    CUgraphNode copy_node;
    EXPECT_OK(cuGraphAddMemcpyNode(&copy_node, copy_graph, NULL, 0, &device_copy, NULL));
    CUgraphExec copy_exec;
    CUgraphNode error_node = copy_node;
    char log[8] = "x";
    EXPECT_OK(cuGraphInstantiate_v2(&copy_exec, copy_graph, &error_node, log, sizeof log));
    EXPECT(error_node == NULL && log[0] == '\0');
    EXPECT_OK(cuGraphLaunch(copy_exec, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    static int hz[N];
    EXPECT_OK(cuMemcpyDtoH_v2(hz, z, sizeof hz));
    EXPECT(memcmp(hz, hx, sizeof hz) == 0);

    /* Destroyed handles are refused. */
    EXPECT_OK(cuGraphExecDestroy(captured_exec));
    EXPECT(cuGraphLaunch(captured_exec, stream) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT(cuGraphExecDestroy(captured_exec) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT_OK(cuGraphExecDestroy(exec));
    EXPECT_OK(cuGraphExecDestroy(uploaded));
    EXPECT_OK(cuGraphExecDestroy(copy_exec));
    EXPECT_OK(cuGraphDestroy(captured));
    EXPECT(cuGraphNodeGetType(nodes[0], &type) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT(cuGraphGetNodes(captured, NULL, &node_count) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT_OK(cuGraphDestroy(graph));
    EXPECT_OK(cuGraphDestroy(copy_graph));
    EXPECT(cuGraphDestroy(graph) == CUDA_ERROR_INVALID_HANDLE);

    EXPECT_OK(cuEventDestroy_v2(fork));
    EXPECT_OK(cuEventDestroy_v2(join));
    EXPECT_OK(cuStreamDestroy_v2(side));
    EXPECT_OK(cuStreamDestroy_v2(stream));
    CUdeviceptr buffers[] = {x, y, z, w, acc};
    for (int i = 0; i < 5; i++)
        EXPECT_OK(cuMemFree_v2(buffers[i]));

    printf("captured graph: %s, explicit graph: %s\n", captured_ok ? "correct" : "WRONG", explicit_ok ? "correct" : "WRONG");
    if (failures != 0) {
        printf("FAIL %d of %d checks\n", failures, checks);
        return 1;
    }
    printf("PASS %d checks\n", checks);
    return 0;
}
