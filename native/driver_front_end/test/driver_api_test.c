/*
 * Drives Orion's libcuda.so.1 through the driver API: against the mock client
 * (../cudart_stub/test/mock_client.c: one in-memory device, synchronous) in `make test`, and
 * against the real client and an emulated server in tests/Orion.CudartStub.Tests. Both know the
 * kernel orion_test_vector_add(a, b, c, n).
 * It checks the front end's own logic: initialisation rules, contexts, handles, copies and
 * memsets of every width, pointer attributes, libraries and kernels, launches with argument
 * pointers and packed buffers, callbacks, cuGetProcAddress's choice of generation and stream
 * variant, and that an unsupported function answers CUDA_ERROR_NOT_SUPPORTED.
 * The declarations are ours (include/cuda_driver_abi.h); no NVIDIA header is used.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#include "cuda_driver_abi.h"

CUresult cuInit(unsigned int);
CUresult cuDriverGetVersion(int *);
CUresult cuDeviceGetCount(int *);
CUresult cuDeviceGet(CUdevice *, int);
CUresult cuDeviceGetAttribute(int *, int, CUdevice);
CUresult cuDeviceGetName(char *, int, CUdevice);
CUresult cuDeviceTotalMem_v2(size_t *, CUdevice);
CUresult cuDevicePrimaryCtxRetain(CUcontext *, CUdevice);
CUresult cuDevicePrimaryCtxRelease_v2(CUdevice);
CUresult cuDevicePrimaryCtxGetState(CUdevice, unsigned int *, int *);
CUresult cuCtxSetCurrent(CUcontext);
CUresult cuCtxGetCurrent(CUcontext *);
CUresult cuCtxPushCurrent_v2(CUcontext);
CUresult cuCtxPopCurrent_v2(CUcontext *);
CUresult cuCtxGetDevice(CUdevice *);
CUresult cuCtxSynchronize(void);
CUresult cuMemAlloc_v2(CUdeviceptr *, size_t);
CUresult cuMemFree_v2(CUdeviceptr);
CUresult cuMemGetInfo_v2(size_t *, size_t *);
CUresult cuMemGetAddressRange_v2(CUdeviceptr *, size_t *, CUdeviceptr);
CUresult cuMemcpyHtoD_v2(CUdeviceptr, const void *, size_t);
CUresult cuMemcpyDtoH_v2(void *, CUdeviceptr, size_t);
CUresult cuMemcpy(CUdeviceptr, CUdeviceptr, size_t);
CUresult cuMemcpy2D_v2(const CUDA_MEMCPY2D *);
CUresult cuMemsetD16_v2(CUdeviceptr, unsigned short, size_t);
CUresult cuMemsetD32_v2(CUdeviceptr, unsigned int, size_t);
CUresult cuMemAllocHost_v2(void **, size_t);
CUresult cuMemFreeHost(void *);
CUresult cuMemHostAlloc(void **, size_t, unsigned int);
CUresult cuPointerGetAttribute(void *, int, CUdeviceptr);
CUresult cuPointerGetAttributes(unsigned int, int *, void **, CUdeviceptr);
CUresult cuModuleLoadData(CUmodule *, const void *);
CUresult cuModuleLoad(CUmodule *, const char *);
CUresult cuStreamGetPriority(CUstream, int *);
CUresult cuStreamCreateWithPriority(CUstream *, unsigned int, int);
CUresult cuCtxGetStreamPriorityRange(int *, int *);
CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int *, CUfunction, int, size_t);
CUresult cuFuncSetAttribute(CUfunction, int, int);
CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr *, void *, unsigned int);
CUresult cuLibraryLoadFromFile(CUlibrary *, const char *, int *, void **, unsigned int, int *, void **, unsigned int);
CUresult cuModuleGetFunction(CUfunction *, CUmodule, const char *);
CUresult cuModuleUnload(CUmodule);
CUresult cuLibraryLoadData(CUlibrary *, const void *, int *, void **, unsigned int, int *, void **, unsigned int);
CUresult cuLibraryGetKernel(CUkernel *, CUlibrary, const char *);
CUresult cuKernelGetFunction(CUfunction *, CUkernel);
CUresult cuLibraryUnload(CUlibrary);
CUresult cuLaunchKernel(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                        void **, void **);
CUresult cuFuncGetAttribute(int *, int, CUfunction);
CUresult cuStreamCreate(CUstream *, unsigned int);
CUresult cuStreamDestroy_v2(CUstream);
CUresult cuStreamSynchronize(CUstream);
CUresult cuLaunchHostFunc(CUstream, CUhostFn, void *);
CUresult cuEventCreate(CUevent *, unsigned int);
CUresult cuEventRecord(CUevent, CUstream);
CUresult cuEventSynchronize(CUevent);
CUresult cuEventDestroy_v2(CUevent);
CUresult cuGetProcAddress_v2(const char *, void **, int, uint64_t, int *);
CUresult cuGetErrorName(CUresult, const char **);
CUresult cuGraphicsMapResources(unsigned int, void **, CUstream);
CUresult cuGetExportTable(const void **, const CUuuid *);
CUresult cuCtxSetLimit(int, size_t);
CUresult cuCtxGetLimit(size_t *, int);
CUresult cuOccupancyAvailableDynamicSMemPerBlock(size_t *, CUfunction, int, int);
CUresult cuMemcpyDtoH_v2_ptds(void *, CUdeviceptr, size_t);
CUresult cuOccupancyMaxActiveClusters(int *, CUfunction, const CUlaunchConfig *);
CUresult cuLaunchKernelEx(const CUlaunchConfig *, CUfunction, void **, void **);

#include "driver_test_check.h"

/* What cuFFT's walk over a module's kernels (private table 6e163fbe, slot 7) reported. */
struct walked {
    int kernels, vector_add_matches;
    CUfunction vector_add;
};
static void on_kernel(void *data, CUfunction function, const char *name)
{
    struct walked *walked = data;
    walked->kernels++;
    if (strcmp(name, "orion_test_vector_add") == 0 && function == walked->vector_add)
        walked->vector_add_matches++;
}

static int host_calls;
static void on_host(void *data) { host_calls += *(int *)data; }

int main(void)
{
    int count = -1, value = 0;
    CUdevice device = -1;
    CUcontext context = NULL, current = NULL;

    /* Before cuInit, as NVIDIA's driver: not initialised. */
    EXPECT(cuDeviceGetCount(&count) == CUDA_ERROR_NOT_INITIALIZED);
    EXPECT(cuInit(1) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuInit(0));
    EXPECT_OK(cuDriverGetVersion(&value));
    EXPECT(value >= 12000);
    EXPECT_OK(cuDeviceGetCount(&count));
    EXPECT(count == 1);
    EXPECT(cuDeviceGet(&device, 1) == CUDA_ERROR_INVALID_DEVICE);
    EXPECT_OK(cuDeviceGet(&device, 0));
    EXPECT_OK(cuDeviceGetAttribute(&value, 1, device));
    EXPECT(value == 1024);
    EXPECT(cuDeviceGetAttribute(&value, 0, device) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuDeviceGetAttribute(&value, 83 /* MANAGED_MEMORY */, device));
    EXPECT(value == 0); /* host memory is not shared with a remote GPU */
    char name[64];
    EXPECT_OK(cuDeviceGetName(name, sizeof name, device));
    EXPECT(name[0] != '\0');
    size_t total = 0;
    EXPECT_OK(cuDeviceTotalMem_v2(&total, device));
    EXPECT(total >= 1ull << 28);

    /* Contexts: nothing current until set; the primary context is one per device. */
    EXPECT_OK(cuCtxGetCurrent(&current));
    EXPECT(current == NULL);
    CUdeviceptr pointer = 0;
    EXPECT(cuMemAlloc_v2(&pointer, 256) == CUDA_ERROR_INVALID_CONTEXT);
    EXPECT_OK(cuDevicePrimaryCtxRetain(&context, device));
    CUcontext again = NULL;
    EXPECT_OK(cuDevicePrimaryCtxRetain(&again, device));
    EXPECT(context == again && context != NULL);
    unsigned int flags = 99;
    int active = 0;
    EXPECT_OK(cuDevicePrimaryCtxGetState(device, &flags, &active));
    EXPECT(active == 1 && flags == 0);
    EXPECT_OK(cuCtxPushCurrent_v2(context));
    EXPECT_OK(cuCtxGetCurrent(&current));
    EXPECT(current == context);
    CUcontext popped = NULL;
    EXPECT_OK(cuCtxPopCurrent_v2(&popped));
    EXPECT(popped == context);
    EXPECT(cuCtxPopCurrent_v2(&popped) == CUDA_ERROR_INVALID_CONTEXT);
    EXPECT(cuCtxSetCurrent((CUcontext)&value) == CUDA_ERROR_INVALID_CONTEXT); /* not a context */
    EXPECT_OK(cuCtxSetCurrent(context));
    CUdevice context_device = -1;
    EXPECT_OK(cuCtxGetDevice(&context_device));
    EXPECT(context_device == 0);

    /* Memory: copies, memsets of each width, ranges and pointer attributes. */
    EXPECT(cuMemAlloc_v2(&pointer, 0) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuMemAlloc_v2(&pointer, 1024));
    /* The device range is reserved in this process: no host mapping can land on it until it is freed. */
    void *probe = mmap((void *)(uintptr_t)pointer, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EXPECT(probe == MAP_FAILED && errno == EEXIST);
    size_t free_bytes = 0;
    size_t total_again = 0;
    EXPECT_OK(cuMemGetInfo_v2(&free_bytes, &total_again));
    EXPECT(free_bytes > 0 && free_bytes <= total_again && total_again == total);
    EXPECT_OK(cuMemsetD32_v2(pointer, 0xDEADBEEFu, 4));
    EXPECT_OK(cuMemsetD16_v2(pointer + 16, 0x1234, 2));
    unsigned char bytes[24];
    EXPECT_OK(cuMemcpyDtoH_v2(bytes, pointer, sizeof bytes));
    EXPECT(bytes[0] == 0xEF && bytes[3] == 0xDE && bytes[12] == 0xEF);
    EXPECT(bytes[16] == 0x34 && bytes[17] == 0x12 && bytes[19] == 0x12 && bytes[20] == 0x00);
    EXPECT_OK(cuMemcpyDtoH_v2_ptds(bytes, pointer, 4));
    float host[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[8] = {0};
    EXPECT_OK(cuMemcpy(pointer + 64, (CUdeviceptr)(uintptr_t)host, sizeof host)); /* unified: host to device */
    EXPECT_OK(cuMemcpy((CUdeviceptr)(uintptr_t)back, pointer + 64, sizeof back));
    EXPECT(memcmp(host, back, sizeof host) == 0);
    /* A 2D copy of a 2x3 block out of a 4-wide host matrix into device rows 16 bytes apart. */
    float matrix[3][4] = {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}}, block[3][2] = {{0}};
    CUDA_MEMCPY2D copy = {0};
    copy.srcMemoryType = CU_MEMORYTYPE_HOST, copy.srcHost = matrix, copy.srcPitch = 16, copy.srcXInBytes = 4;
    copy.dstMemoryType = CU_MEMORYTYPE_DEVICE, copy.dstDevice = pointer + 256, copy.dstPitch = 16;
    copy.WidthInBytes = 8, copy.Height = 3;
    EXPECT_OK(cuMemcpy2D_v2(&copy));
    CUDA_MEMCPY2D out = {0};
    out.srcMemoryType = CU_MEMORYTYPE_UNIFIED, out.srcDevice = pointer + 256, out.srcPitch = 16;
    out.dstMemoryType = CU_MEMORYTYPE_HOST, out.dstHost = block, out.dstPitch = 8;
    out.WidthInBytes = 8, out.Height = 3;
    EXPECT_OK(cuMemcpy2D_v2(&out));
    EXPECT(block[0][0] == 2 && block[0][1] == 3 && block[2][1] == 11);
    CUdeviceptr base = 0;
    size_t size = 0;
    EXPECT_OK(cuMemGetAddressRange_v2(&base, &size, pointer + 100));
    EXPECT(base == pointer && size == 1024);
    unsigned int type = 0;
    EXPECT_OK(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, pointer + 8));
    EXPECT(type == CU_MEMORYTYPE_DEVICE);
    CUcontext owner = NULL;
    EXPECT_OK(cuPointerGetAttribute(&owner, CU_POINTER_ATTRIBUTE_CONTEXT, pointer));
    EXPECT(owner == context);
    void *pinned = NULL;
    EXPECT_OK(cuMemAllocHost_v2(&pinned, 100));
    EXPECT_OK(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, (CUdeviceptr)(uintptr_t)pinned));
    EXPECT(type == CU_MEMORYTYPE_HOST);
    EXPECT(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, (CUdeviceptr)(uintptr_t)host) ==
           CUDA_ERROR_INVALID_VALUE); /* pageable memory is not a CUDA pointer */
    int attributes[] = {CU_POINTER_ATTRIBUTE_MEMORY_TYPE, CU_POINTER_ATTRIBUTE_CONTEXT};
    unsigned int types[1] = {7};
    CUcontext owners[1] = {context};
    void *values[] = {types, owners};
    EXPECT_OK(cuPointerGetAttributes(2, attributes, values, (CUdeviceptr)(uintptr_t)host));
    EXPECT(types[0] == 0 && owners[0] == NULL);
    EXPECT_OK(cuMemFreeHost(pinned));
    EXPECT(cuMemFreeHost(pinned) == CUDA_ERROR_INVALID_VALUE);

    /* A module and a launch with argument pointers, then with one packed buffer. */
    CUmodule module = NULL;
    EXPECT_OK(cuModuleLoadData(&module, fatbin));
    CUfunction function = NULL, missing = NULL;
    EXPECT(cuModuleGetFunction(&missing, module, "no_such_kernel") == CUDA_ERROR_NOT_FOUND);
    EXPECT_OK(cuModuleGetFunction(&function, module, "orion_test_vector_add"));
    CUfunction same_function = NULL;
    EXPECT_OK(cuModuleGetFunction(&same_function, module, "orion_test_vector_add"));
    EXPECT(same_function == function); /* one handle per name, as NVIDIA's driver gives */
    EXPECT_OK(cuFuncGetAttribute(&value, 0, function)); /* CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK */
    EXPECT(value > 0 && value <= 1024);
    /* Attributes and occupancy are asked of the server once, not at every question (against the
     * mock client, which counts its calls; the real client has no such counter). */
    void *client = dlopen(getenv("ORION_CLIENT_LIB"), RTLD_NOW | RTLD_NOLOAD);
    int (*calls)(const char *) = client != NULL ? (int (*)(const char *))dlsym(client, "mock_client_calls") : NULL;
    int asked = calls != NULL ? calls("orion_function_get_attributes") : 0;
    int registers = 0, threads = 0, shared_limit = 0;
    EXPECT_OK(cuFuncGetAttribute(&registers, 4, function)); /* NUM_REGS */
    EXPECT_OK(cuFuncGetAttribute(&threads, 0, function));
    EXPECT_OK(cuFuncGetAttribute(&shared_limit, 8, function)); /* MAX_DYNAMIC_SHARED_SIZE_BYTES */
    EXPECT(threads == value && registers > 0);
    EXPECT(calls == NULL || calls("orion_function_get_attributes") == asked);
    int sets = calls != NULL ? calls("orion_function_set_attribute") : 0;
    EXPECT_OK(cuFuncSetAttribute(function, 8, shared_limit)); /* the value it has: nothing to send */
    EXPECT(calls == NULL || calls("orion_function_set_attribute") == sets);
    EXPECT_OK(cuFuncSetAttribute(function, 8, shared_limit + 1024));
    EXPECT(calls == NULL || calls("orion_function_set_attribute") == sets + 1);
    EXPECT_OK(cuFuncGetAttribute(&value, 8, function));
    EXPECT(value == shared_limit + 1024);
    EXPECT_OK(cuFuncGetAttribute(&value, 0, function)); /* the others are kept across the set */
    EXPECT_OK(cuFuncGetAttribute(&value, 4, function));
    EXPECT(value == registers && (calls == NULL || calls("orion_function_get_attributes") == asked));
    EXPECT_OK(cuFuncSetAttribute(function, 8, shared_limit));
    int occupancy = 0, occupancy_again = 0;
    int occupancy_asked = calls != NULL ? calls("orion_occupancy_max_active_blocks") : 0;
    EXPECT_OK(cuOccupancyMaxActiveBlocksPerMultiprocessor(&occupancy, function, 128, 0));
    EXPECT_OK(cuOccupancyMaxActiveBlocksPerMultiprocessor(&occupancy_again, function, 128, 0));
    EXPECT(occupancy > 0 && occupancy_again == occupancy);
    EXPECT(calls == NULL || calls("orion_occupancy_max_active_blocks") == occupancy_asked + 1);
    int least = 1, greatest = 1, least_again = 1, greatest_again = 1;
    EXPECT_OK(cuCtxGetStreamPriorityRange(&least, &greatest));
    int ranges_asked = calls != NULL ? calls("orion_stream_priority_range") : 0;
    EXPECT_OK(cuCtxGetStreamPriorityRange(&least_again, &greatest_again)); /* a device's range is asked once */
    EXPECT(least_again == least && greatest_again == greatest && greatest <= least);
    EXPECT(calls == NULL || calls("orion_stream_priority_range") == ranges_asked);
    CUstream prioritized = NULL; /* a stream's priority is clamped to the range without asking it again */
    int priority = 0;
    EXPECT_OK(cuStreamCreateWithPriority(&prioritized, 0, greatest - 100));
    EXPECT_OK(cuStreamGetPriority(prioritized, &priority));
    EXPECT(priority == greatest && (calls == NULL || calls("orion_stream_priority_range") == ranges_asked));
    EXPECT_OK(cuStreamDestroy_v2(prioritized));
    CUdeviceptr a, b, c;
    EXPECT_OK(cuMemAlloc_v2(&a, sizeof host));
    EXPECT_OK(cuMemAlloc_v2(&b, sizeof host));
    EXPECT_OK(cuMemAlloc_v2(&c, sizeof host));
    EXPECT_OK(cuMemcpyHtoD_v2(a, host, sizeof host));
    EXPECT_OK(cuMemcpyHtoD_v2(b, host, sizeof host));
    int n = 8;
    void *args[] = {&a, &b, &c, &n};
    EXPECT_OK(cuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL));
    EXPECT_OK(cuMemcpyDtoH_v2(back, c, sizeof back));
    EXPECT(back[0] == 2 && back[7] == 16);
    EXPECT(cuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, NULL, args, args) == CUDA_ERROR_INVALID_VALUE);

    /* Mapped host memory: one address for host and device; the host's writes reach a launch, the
     * kernel's come back at the next wait, and a byte only the host changed meanwhile is kept. */
    float *mapped = NULL;
    EXPECT_OK(cuMemHostAlloc((void **)&mapped, 4096, CU_MEMHOSTALLOC_DEVICEMAP));
    CUdeviceptr mapped_device = 0;
    EXPECT_OK(cuMemHostGetDevicePointer_v2(&mapped_device, mapped, 0));
    EXPECT(mapped_device == (CUdeviceptr)(uintptr_t)mapped);
    EXPECT(cuMemHostGetDevicePointer_v2(&mapped_device, host, 0) == CUDA_ERROR_INVALID_VALUE);
    unsigned int is_mapped = 0;
    EXPECT_OK(cuPointerGetAttribute(&is_mapped, CU_POINTER_ATTRIBUTE_MAPPED, (CUdeviceptr)(uintptr_t)mapped));
    EXPECT(is_mapped == 1);
    EXPECT(mapped[0] == 0 && mapped[1023] == 0);
    for (int i = 0; i < 8; i++)
        mapped[i] = 100.0f * (float)(i + 1);
    mapped[1000] = 7;
    CUdeviceptr sum_into = mapped_device + 64 * sizeof(float);
    void *mapped_args[] = {&mapped_device, &b, &sum_into, &n};
    EXPECT_OK(cuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, NULL, mapped_args, NULL));
    mapped[1001] = 9; /* after the launch, before the wait: the device never wrote it */
    EXPECT_OK(cuCtxSynchronize());
    EXPECT(mapped[64] == 100 + host[0] && mapped[71] == 800 + host[7]);
    EXPECT(mapped[1000] == 7 && mapped[1001] == 9 && mapped[0] == 100);
    EXPECT_OK(cuMemFreeHost(mapped));
    EXPECT(cuMemFreeHost(mapped) == CUDA_ERROR_INVALID_VALUE);
    struct {
        CUdeviceptr a, b, c;
        int n;
    } packed = {a, a, c, 8};
    size_t packed_size = sizeof packed;
    void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, &packed, CU_LAUNCH_PARAM_BUFFER_SIZE, &packed_size,
                     CU_LAUNCH_PARAM_END};
    EXPECT_OK(cuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, NULL, NULL, extra));
    EXPECT_OK(cuMemcpyDtoH_v2(back, c, sizeof back));
    EXPECT(back[1] == 4 && back[7] == 16);
    EXPECT(cuLaunchKernel((CUfunction)&value, 1, 1, 1, 1, 1, 1, 0, NULL, args, NULL) == CUDA_ERROR_INVALID_HANDLE);
    /* Launches NVIDIA's driver refuses are refused at once, not latched for a later call. */
    EXPECT(cuLaunchKernel(function, 1, 1, 1, 2048, 1, 1, 0, NULL, args, NULL) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuLaunchKernel(function, 0, 1, 1, 32, 1, 1, 0, NULL, args, NULL) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 1u << 30, NULL, args, NULL) == CUDA_ERROR_INVALID_VALUE);
    size_t available = 0;
    EXPECT_OK(cuOccupancyAvailableDynamicSMemPerBlock(&available, function, 2, 128));
    EXPECT(available > 0);
    /* Co-resident clusters, with the cluster shape from the config's attribute: twice the blocks
     * per cluster, half the clusters; a grid that is not a whole number of clusters is refused. */
    CUlaunchAttribute cluster_shape = {.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION};
    unsigned int pair[3] = {2, 1, 1}, quad[3] = {4, 1, 1};
    memcpy(cluster_shape.value.pad, pair, sizeof pair);
    CUlaunchConfig cluster_config = {.gridDimX = 8, .gridDimY = 1, .gridDimZ = 1, .blockDimX = 128, .blockDimY = 1,
                                     .blockDimZ = 1, .attrs = &cluster_shape, .numAttrs = 1};
    int pairs = 0, quads = 0;
    EXPECT_OK(cuOccupancyMaxActiveClusters(&pairs, function, &cluster_config));
    memcpy(cluster_shape.value.pad, quad, sizeof quad);
    EXPECT_OK(cuOccupancyMaxActiveClusters(&quads, function, &cluster_config));
    EXPECT(pairs > 0 && quads * 2 == pairs);
    /* A launch in clusters of two, with a priority and a scheduling preference: it runs (the vector add
     * again, into a cleared c); a cluster that does not divide the grid fails at the launch or at the
     * next synchronization (where the server's answer arrives); an attribute Orion does not carry
     * (a programmatic event, which names an event) is refused. */
    CUlaunchAttribute launch_attributes[3] = {{.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION},
                                              {.id = CU_LAUNCH_ATTRIBUTE_PRIORITY},
                                              {.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_SCHEDULING_POLICY_PREFERENCE}};
    int launch_priority = -1, spread = 1;
    memcpy(launch_attributes[0].value.pad, pair, sizeof pair);
    memcpy(launch_attributes[1].value.pad, &launch_priority, sizeof launch_priority);
    memcpy(launch_attributes[2].value.pad, &spread, sizeof spread);
    CUlaunchConfig launch_config = {.gridDimX = 2, .gridDimY = 1, .gridDimZ = 1, .blockDimX = 32, .blockDimY = 1,
                                    .blockDimZ = 1, .attrs = launch_attributes, .numAttrs = 3};
    int zeros[8] = {0};
    EXPECT_OK(cuMemcpyHtoD_v2(c, zeros, sizeof zeros));
    EXPECT_OK(cuLaunchKernelEx(&launch_config, function, args, NULL));
    EXPECT_OK(cuMemcpyDtoH_v2(back, c, sizeof back));
    EXPECT(back[0] == 2 && back[7] == 16);
    launch_config.gridDimX = 3;
    CUresult uneven = cuLaunchKernelEx(&launch_config, function, args, NULL);
    CUresult uneven_later = cuCtxSynchronize();
    EXPECT(uneven == 912 /* CUDA_ERROR_INVALID_CLUSTER_SIZE */ || (uneven == CUDA_SUCCESS && uneven_later == 912));
    EXPECT_OK(cuCtxSynchronize());
    launch_config.gridDimX = 2;
    launch_attributes[1].id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_EVENT;
    EXPECT(cuLaunchKernelEx(&launch_config, function, args, NULL) == CUDA_ERROR_NOT_SUPPORTED);
    cluster_config.gridDimX = 6;
    EXPECT(cuOccupancyMaxActiveClusters(&quads, function, &cluster_config) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuOccupancyMaxActiveClusters(NULL, function, &cluster_config) == CUDA_ERROR_INVALID_VALUE);
    /* Context limits go to the server's context. */
    size_t limit = 0;
    EXPECT_OK(cuCtxSetLimit(2 /* CU_LIMIT_MALLOC_HEAP_SIZE */, 64u << 20));
    EXPECT_OK(cuCtxGetLimit(&limit, 2));
    EXPECT(limit >= 64u << 20);
    /* A limit is asked of the server once until this process sets it again; the stack size always. */
    {
        void *mock = dlopen(getenv("ORION_CLIENT_LIB"), RTLD_NOW | RTLD_NOLOAD);
        int (*count)(const char *) = mock != NULL ? (int (*)(const char *))dlsym(mock, "mock_client_calls") : NULL;
        int limits_asked = count != NULL ? count("orion_device_get_limit") : 0;
        size_t again = 0, stack = 0;
        EXPECT_OK(cuCtxGetLimit(&again, 2));
        EXPECT(again == limit && (count == NULL || count("orion_device_get_limit") == limits_asked));
        EXPECT_OK(cuCtxSetLimit(2, 128u << 20));
        EXPECT_OK(cuCtxGetLimit(&again, 2));
        EXPECT(again >= 128u << 20 && (count == NULL || count("orion_device_get_limit") == limits_asked + 1));
        EXPECT_OK(cuCtxGetLimit(&stack, 0));
        EXPECT_OK(cuCtxGetLimit(&stack, 0));
        EXPECT(count == NULL || count("orion_device_get_limit") == limits_asked + 3);
    }

    /* A library's kernel, launched in place of a function and turned into one. */
    CUlibrary library = NULL;
    EXPECT_OK(cuLibraryLoadData(&library, fatbin, NULL, NULL, 0, NULL, NULL, 0));
    CUkernel kernel = NULL;
    EXPECT(cuLibraryGetKernel(&kernel, library, "no_such_kernel") == CUDA_ERROR_NOT_FOUND);
    EXPECT_OK(cuLibraryGetKernel(&kernel, library, "orion_test_vector_add"));
    CUkernel same_kernel = NULL;
    EXPECT_OK(cuLibraryGetKernel(&same_kernel, library, "orion_test_vector_add"));
    EXPECT(same_kernel == kernel);
    EXPECT_OK(cuLaunchKernel((CUfunction)kernel, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL));
    CUfunction from_kernel = NULL;
    EXPECT_OK(cuKernelGetFunction(&from_kernel, kernel));
    EXPECT(from_kernel != NULL);
    EXPECT_OK(cuLibraryUnload(library));
    EXPECT(cuLibraryUnload(library) == CUDA_ERROR_INVALID_HANDLE);
    /* A kernel of an unloaded library is refused at once, even on the device it was resolved on. */
    EXPECT(cuLaunchKernel((CUfunction)kernel, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL) == CUDA_ERROR_INVALID_HANDLE);

    /* The same image from a file (Triton and Inductor load their kernels by path), and a path
     * that does not exist. */
    char image_path[] = "/tmp/orion-driver-test-XXXXXX";
    int image_file = mkstemp(image_path);
    EXPECT(image_file >= 0);
    uint64_t header_size = 0, payload_size = 0;
    memcpy(&header_size, (const char *)fatbin + 6, 2);
    memcpy(&payload_size, (const char *)fatbin + 8, 8);
    EXPECT(write(image_file, fatbin, header_size + payload_size) == (ssize_t)(header_size + payload_size));
    close(image_file);
    CUmodule file_module = NULL;
    EXPECT_OK(cuModuleLoad(&file_module, image_path));
    CUfunction file_function = NULL;
    EXPECT_OK(cuModuleGetFunction(&file_function, file_module, "orion_test_vector_add"));
    EXPECT_OK(cuLaunchKernel(file_function, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL));
    EXPECT_OK(cuModuleUnload(file_module));
    CUlibrary file_library = NULL;
    EXPECT_OK(cuLibraryLoadFromFile(&file_library, image_path, NULL, NULL, 0, NULL, NULL, 0));
    CUkernel file_kernel = NULL;
    EXPECT_OK(cuLibraryGetKernel(&file_kernel, file_library, "orion_test_vector_add"));
    EXPECT_OK(cuLibraryUnload(file_library));
    unlink(image_path);
    EXPECT(cuModuleLoad(&file_module, image_path) == CUDA_ERROR_FILE_NOT_FOUND);
    EXPECT(cuLibraryLoadFromFile(&file_library, image_path, NULL, NULL, 0, NULL, NULL, 0) == CUDA_ERROR_FILE_NOT_FOUND);
    EXPECT(cuModuleLoad(&file_module, "/tmp") == CUDA_ERROR_INVALID_IMAGE); /* a directory */

    /* Streams, events and a host function. */
    CUstream stream = NULL;
    CUevent event = NULL;
    EXPECT_OK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
    EXPECT_OK(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
    int increment = 5;
    EXPECT_OK(cuLaunchHostFunc(stream, on_host, &increment));
    EXPECT_OK(cuEventRecord(event, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    EXPECT_OK(cuEventSynchronize(event));
    EXPECT(host_calls == 5);
    EXPECT_OK(cuEventDestroy_v2(event));
    EXPECT(cuEventDestroy_v2(event) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT_OK(cuStreamDestroy_v2(stream));
    EXPECT(cuStreamSynchronize(stream) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT(cuStreamSynchronize(CU_STREAM_PER_THREAD) == CUDA_SUCCESS);

    /* cuGetProcAddress picks the generation and the stream variant a caller's version asks for. */
    void *found = NULL;
    int status = -1;
    EXPECT_OK(cuGetProcAddress_v2("cuMemAlloc", &found, 13000, 0, &status));
    EXPECT(found == (void *)cuMemAlloc_v2 && status == CU_GET_PROC_ADDRESS_SUCCESS);
    EXPECT_OK(cuGetProcAddress_v2("cuMemcpyDtoH", &found, 12000, CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM, &status));
    EXPECT(found == (void *)cuMemcpyDtoH_v2_ptds);
    EXPECT_OK(cuGetProcAddress_v2("cuMemcpyDtoH", &found, 12000, CU_GET_PROC_ADDRESS_LEGACY_STREAM, &status));
    EXPECT(found == (void *)cuMemcpyDtoH_v2);
    EXPECT_OK(cuGetProcAddress_v2("cuCtxGetDevice", &found, 12080, 0, &status));
    EXPECT(found == (void *)cuCtxGetDevice);
    EXPECT_OK(cuGetProcAddress_v2("cuNoSuchFunction", &found, 13000, 0, &status));
    EXPECT(found == NULL && status == CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND);
    EXPECT(cuGetProcAddress_v2("cuMemAlloc", &found, 13010, 0, &status) == CUDA_ERROR_INVALID_VALUE);

    /* The private tables NVIDIA's runtime asks for, served on the client. */
    static const CUuuid storage_id = {{(char)0xc6, (char)0x93, 0x33, 0x6e, 0x11, 0x21, (char)0xdf, 0x11, (char)0xa8,
                                       (char)0xc3, 0x68, (char)0xf3, 0x55, (char)0xd8, (char)0x95, (char)0x93}};
    static const CUuuid integrity_id = {{(char)0xd4, 0x08, 0x20, 0x55, (char)0xbd, (char)0xe6, 0x70, 0x4b, (char)0x8d,
                                         0x34, (char)0xba, 0x12, 0x3c, 0x66, (char)0xe1, (char)0xf2}};
    static const CUuuid tools_tls_id = {{0x42, (char)0xd8, 0x5a, (char)0x81, 0x23, (char)0xf6, (char)0xcb, 0x47,
                                         (char)0x82, (char)0x98, (char)0xf6, (char)0xe7, (char)0x8a, 0x3a, (char)0xec, (char)0xdc}};
    static const CUuuid tools_context_id = {{0x21, 0x31, (char)0x8c, 0x60, (char)0x97, 0x14, 0x32, 0x48, (char)0x8c,
                                             (char)0xa6, 0x41, (char)0xff, 0x73, 0x24, (char)0xc8, (char)0xf2}};
    static const CUuuid unknown_id = {{1, 2, 3}};
    const void **table = NULL;
    EXPECT(cuGetExportTable((const void **)&table, &unknown_id) == CUDA_ERROR_INVALID_VALUE);
    /* Context-local storage: put, get (NULL and all-ones mean the current context), delete. */
    EXPECT_OK(cuGetExportTable((const void **)&table, &storage_id));
    CUresult (*put)(CUcontext, void *, void *, void (*)(CUcontext, void *, void *)) = (void *)table[0];
    CUresult (*erase)(CUcontext, void *) = (void *)table[1];
    CUresult (*get)(void **, CUcontext, void *) = (void *)table[2];
    int key = 0, stored = 42;
    void *got = NULL;
    EXPECT(get(&got, context, &key) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT_OK(put(NULL, &key, &stored, NULL));
    EXPECT_OK(get(&got, context, &key));
    EXPECT(got == &stored);
    EXPECT_OK(get(&got, (CUcontext)(uintptr_t)UINTPTR_MAX, &key));
    EXPECT_OK(erase(context, &key));
    EXPECT(get(&got, context, &key) == CUDA_ERROR_INVALID_HANDLE);
    /* The integrity check's fixed answers, and a hash otherwise (two calls in one second agree). */
    EXPECT_OK(cuGetExportTable((const void **)&table, &integrity_id));
    EXPECT((uintptr_t)table[0] == 3 * sizeof(void *));
    CUresult (*integrity)(uint32_t, uint64_t, uint64_t *) = (void *)table[1];
    uint64_t hash[2] = {0}, same[2] = {0};
    EXPECT_OK(integrity(13000, 1700000000, hash));
    EXPECT(hash[0] == 0x3341181C03CB675Cull && hash[1] == 0x8ED383AA1F4CD1E8ull);
    EXPECT_OK(integrity(13002, 1700000000, hash));
    EXPECT_OK(integrity(13002, 1700000000, same));
    EXPECT(hash[0] == same[0] && hash[1] == same[1] && hash[0] != 0x3341181C03CB675Cull);
    EXPECT_OK(integrity(13002, 1700000001, same));
    EXPECT(hash[0] != same[0] || hash[1] != same[1]);
    /* cuFFT's module walk: every kernel of the module once, each with the handle cuModuleGetFunction gives. */
    const CUuuid module_walk_id = {{0x6e, 0x16, 0x3f, 0xbe, 0xb9, 0x58, 0x44, 0x4d, 0x83, 0x5c, 0xe1, 0x82, 0xaf, 0xf1,
                                    0x99, 0x1e}};
    EXPECT_OK(cuGetExportTable((const void **)&table, &module_walk_id));
    EXPECT((uintptr_t)table[0] == 99 * sizeof(void *));
    struct walked walked = {.vector_add = function};
    int (*walk)(void *, CUmodule, void (*)(void *, CUfunction, const char *), void *) = (void *)table[7];
    int visited = walk(NULL, module, on_kernel, &walked); /* how many it visited, as NVIDIA's answers */
    EXPECT(visited >= 2 && visited == walked.kernels && walked.vector_add_matches == 1);
    EXPECT(walk(NULL, (CUmodule)&walked, on_kernel, &walked) == CUDA_ERROR_INVALID_HANDLE);
    /* cuBLAS's half-precision table: driver 580's size, every slot refusing (and named in the log). */
    const CUuuid cublas_half_id = {{0x17, 0x34, 0xdc, 0x26, 0x80, 0x0d, 0x47, 0x45, 0x87, 0x26, 0xc0, 0xf1, 0xe7, 0xdd,
                                    0x8b, 0xca}};
    EXPECT_OK(cuGetExportTable((const void **)&table, &cublas_half_id));
    EXPECT((uintptr_t)table[0] == 17 * sizeof(void *));
    EXPECT(((CUresult(*)(void *, void *))table[4])(&value, &value) == CUDA_ERROR_NOT_SUPPORTED);
    /* Tools TLS: the current context; tools context: context identity, stream handles both ways. */
    EXPECT_OK(cuGetExportTable((const void **)&table, &tools_tls_id));
    CUcontext seen = NULL;
    EXPECT_OK(((CUresult(*)(CUcontext *))table[2])(&seen));
    EXPECT(seen == context);
    EXPECT_OK(cuGetExportTable((const void **)&table, &tools_context_id));
    uint32_t tools_device = 99;
    EXPECT_OK(((CUresult(*)(CUcontext, uint32_t *))table[3])(context, &tools_device));
    EXPECT(tools_device == 0);
    CUstream tools_stream_owner = NULL;
    EXPECT_OK(cuStreamCreate(&tools_stream_owner, 0));
    void *tools_handle = NULL, *default_handle = NULL;
    CUresult (*tools_handle_of)(CUcontext, CUstream, void **, uint8_t) = (void *)table[51];
    EXPECT_OK(tools_handle_of(context, tools_stream_owner, &tools_handle, 0));
    EXPECT_OK(tools_handle_of(context, NULL, &default_handle, 0));
    EXPECT(tools_handle != NULL && default_handle != NULL && tools_handle != default_handle);
    CUstream public_stream = NULL;
    EXPECT_OK(((CUresult(*)(void *, CUstream *))table[16])(tools_handle, &public_stream));
    EXPECT(public_stream == tools_stream_owner);
    EXPECT_OK(cuStreamDestroy_v2(tools_stream_owner));

    /* An unsupported function answers CUDA_ERROR_NOT_SUPPORTED (and logs once, checked by make). */
    void *resource = NULL;
    EXPECT(cuGraphicsMapResources(1, &resource, NULL) == CUDA_ERROR_NOT_SUPPORTED);
    EXPECT(cuGraphicsMapResources(1, &resource, NULL) == CUDA_ERROR_NOT_SUPPORTED);
    const char *error_name = NULL;
    EXPECT_OK(cuGetErrorName(CUDA_ERROR_INVALID_VALUE, &error_name));
    EXPECT(error_name != NULL && strcmp(error_name, "CUDA_ERROR_INVALID_VALUE") == 0);

    EXPECT_OK(cuMemFree_v2(pointer));
    EXPECT(cuMemFree_v2(pointer) == CUDA_ERROR_INVALID_VALUE);
    probe = mmap((void *)(uintptr_t)pointer, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EXPECT(probe == (void *)(uintptr_t)pointer); /* given back with the allocation */
    if (probe != MAP_FAILED)
        munmap(probe, 4096);
    EXPECT_OK(cuModuleUnload(module));
    EXPECT(cuLaunchKernel(function, 1, 1, 1, 32, 1, 1, 0, NULL, args, NULL) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT_OK(cuCtxSynchronize());
    EXPECT_OK(cuDevicePrimaryCtxRelease_v2(device));
    EXPECT_OK(cuDevicePrimaryCtxRelease_v2(device));
    EXPECT(cuDevicePrimaryCtxRelease_v2(device) == CUDA_ERROR_INVALID_CONTEXT);
    if (failures != 0) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("PASS %d checks\n", checks);
    return 0;
}
