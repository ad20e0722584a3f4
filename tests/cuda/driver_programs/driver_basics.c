/*
 * The CUDA driver API on its own (no runtime): devices, the primary context, a module from a
 * fat binary, launches with argument pointers and with a packed buffer, copies, memsets of
 * every width, streams, events, host callbacks, pointer attributes and entry points found
 * through cuGetProcAddress. Prints only values that are the same on every run, so that the
 * output natively and through Orion can be compared byte for byte.
 * usage: driver_basics kernels.fatbin
 */
#include <cuda.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(call)                                                                                                \
    do {                                                                                                           \
        CUresult r_ = (call);                                                                                      \
        if (r_ != CUDA_SUCCESS) {                                                                                  \
            const char *name_ = "?";                                                                               \
            cuGetErrorName(r_, &name_);                                                                            \
            fprintf(stderr, "FAILED line %d: %s -> %d (%s)\n", __LINE__, #call, (int)r_, name_);                    \
            exit(1);                                                                                               \
        }                                                                                                          \
    } while (0)

static void *read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        perror(path);
        exit(1);
    }
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    void *data = malloc((size_t)size);
    if (fread(data, 1, (size_t)size, file) != (size_t)size)
        exit(1);
    fclose(file);
    return data;
}

static int callbacks_run;
static void CUDA_CB on_host(void *data) { callbacks_run += *(int *)data; }
static void CUDA_CB on_stream(CUstream stream, CUresult status, void *data) { callbacks_run += status == CUDA_SUCCESS ? 100 : 1000; }

int main(int argc, char **argv)
{
    CHECK(cuInit(0));
    int version = 0, count = 0;
    CHECK(cuDriverGetVersion(&version));
    CHECK(cuDeviceGetCount(&count));
    CUdevice device;
    CHECK(cuDeviceGet(&device, 0));
    char name[128];
    CHECK(cuDeviceGetName(name, sizeof name, device));
    int major, minor, sms, warp;
    CHECK(cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device));
    CHECK(cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device));
    CHECK(cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device));
    CHECK(cuDeviceGetAttribute(&warp, CU_DEVICE_ATTRIBUTE_WARP_SIZE, device));
    size_t total = 0;
    CHECK(cuDeviceTotalMem(&total, device));
    printf("driver %d devices %d name %s sm_%d%d sms %d warp %d total %zu MiB\n", version, count, name, major, minor,
           sms, warp, total >> 20);
    char bus_id[13];
    CHECK(cuDeviceGetPCIBusId(bus_id, sizeof bus_id, device));
    printf("pci bus id %s\n", bus_id);
    int bad = 0;
    printf("bad attribute -> %d, bad device -> %d\n", (int)cuDeviceGetAttribute(&bad, (CUdevice_attribute)100000, device),
           (int)cuDeviceGet(&device, 99));
    CHECK(cuDeviceGet(&device, 0));

    CUcontext context, current;
    CHECK(cuDevicePrimaryCtxRetain(&context, device));
    unsigned int flags;
    int active;
    CHECK(cuDevicePrimaryCtxGetState(device, &flags, &active));
    printf("primary active %d\n", active);
    CHECK(cuCtxSetCurrent(context));
    CHECK(cuCtxGetCurrent(&current));
    CUdevice context_device;
    CHECK(cuCtxGetDevice(&context_device));
    printf("current is primary %d device %d\n", current == context, (int)context_device);

    CUmodule module;
    CHECK(cuModuleLoadData(&module, read_file(argv[1])));
    CUfunction scale_add, count_calls, add_to_total;
    CHECK(cuModuleGetFunction(&scale_add, module, "scale_add"));
    CHECK(cuModuleGetFunction(&count_calls, module, "count_calls"));
    CHECK(cuModuleGetFunction(&add_to_total, module, "add_to_total"));
    CUfunction missing;
    printf("missing function -> %d\n", (int)cuModuleGetFunction(&missing, module, "no_such_kernel"));
    int registers = -1, max_threads = 0;
    CHECK(cuFuncGetAttribute(&max_threads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, scale_add));
    CHECK(cuFuncGetAttribute(&registers, CU_FUNC_ATTRIBUTE_NUM_REGS, scale_add));
    int blocks = 0;
    CHECK(cuOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, scale_add, 256, 0));
    printf("scale_add max threads %d registers>0 %d blocks/SM at 256 %d\n", max_threads, registers > 0, blocks);

    const int n = 1 << 20;
    size_t bytes = (size_t)n * sizeof(float);
    float *a = malloc(bytes), *b = malloc(bytes), *c = malloc(bytes);
    for (int i = 0; i < n; i++) {
        a[i] = (float)(i % 1000) * 0.5f;
        b[i] = (float)(i % 7);
    }
    CUdeviceptr da, db, dc;
    CHECK(cuMemAlloc(&da, bytes));
    CHECK(cuMemAlloc(&db, bytes));
    CHECK(cuMemAlloc(&dc, bytes));
    CHECK(cuMemcpyHtoD(da, a, bytes));
    CHECK(cuMemcpyHtoD(db, b, bytes));
    float factor = 2.0f;
    int count_n = n;
    void *args[] = {&da, &db, &dc, &factor, &count_n};
    CHECK(cuLaunchKernel(scale_add, (n + 255) / 256, 1, 1, 256, 1, 1, 0, NULL, args, NULL));
    CHECK(cuMemcpyDtoH(c, dc, bytes));
    int wrong = 0;
    for (int i = 0; i < n; i++)
        wrong += c[i] != a[i] * 2.0f + b[i];
    printf("scale_add wrong %d c[12345] %.1f\n", wrong, c[12345]);

    /* The same launch with the parameters packed into one buffer (CU_LAUNCH_PARAM_BUFFER_POINTER). */
    struct {
        CUdeviceptr a, b, c;
        float factor;
        int n;
    } packed = {da, db, dc, 3.0f, n};
    size_t packed_size = sizeof packed;
    void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, &packed, CU_LAUNCH_PARAM_BUFFER_SIZE, &packed_size, CU_LAUNCH_PARAM_END};
    CHECK(cuLaunchKernel(scale_add, (n + 255) / 256, 1, 1, 256, 1, 1, 0, NULL, NULL, extra));
    CHECK(cuMemcpyDtoH(c, dc, bytes));
    wrong = 0;
    for (int i = 0; i < n; i++)
        wrong += c[i] != a[i] * 3.0f + b[i];
    printf("packed launch wrong %d\n", wrong);

    /* Memsets of each width, read back. */
    unsigned char probe[64];
    CHECK(cuMemsetD8(dc, 0xAB, 64));
    CHECK(cuMemsetD16(dc + 64, 0x1234, 32));
    CHECK(cuMemsetD32(dc + 128, 0xDEADBEEF, 16));
    CHECK(cuMemcpyDtoH(probe, dc + 60, 8));
    printf("memset bytes %02x %02x %02x %02x %02x %02x %02x %02x\n", probe[0], probe[1], probe[2], probe[3], probe[4],
           probe[5], probe[6], probe[7]);
    CHECK(cuMemcpyDtoH(probe, dc + 124, 8));
    printf("memset words %02x %02x %02x %02x %02x %02x %02x %02x\n", probe[0], probe[1], probe[2], probe[3], probe[4],
           probe[5], probe[6], probe[7]);

    /* Streams, events, callbacks; a counter kernel run many times. */
    CUstream stream;
    CHECK(cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING));
    CUevent start, stop;
    CHECK(cuEventCreate(&start, CU_EVENT_DEFAULT));
    CHECK(cuEventCreate(&stop, CU_EVENT_DEFAULT));
    CUdeviceptr counter;
    CHECK(cuMemAlloc(&counter, sizeof(int)));
    CHECK(cuMemsetD32Async(counter, 0, 1, stream));
    CHECK(cuEventRecord(start, stream));
    void *counter_args[] = {&counter};
    for (int i = 0; i < 100; i++)
        CHECK(cuLaunchKernel(count_calls, 4, 1, 1, 64, 1, 1, 0, stream, counter_args, NULL));
    int increment = 7;
    CHECK(cuLaunchHostFunc(stream, on_host, &increment));
    CHECK(cuStreamAddCallback(stream, on_stream, NULL, 0));
    CHECK(cuEventRecord(stop, stream));
    CHECK(cuStreamSynchronize(stream));
    float ms = -1;
    CHECK(cuEventElapsedTime(&ms, start, stop));
    int calls = 0;
    CHECK(cuMemcpyDtoHAsync(&calls, counter, sizeof calls, stream));
    CHECK(cuStreamSynchronize(stream));
    printf("counter %d callbacks %d elapsed>=0 %d query %d\n", calls, callbacks_run, ms >= 0, (int)cuEventQuery(stop));

    /* A __device__ variable through cuModuleGetGlobal. */
    CUdeviceptr total_address;
    size_t total_bytes;
    CHECK(cuModuleGetGlobal(&total_address, &total_bytes, module, "device_total"));
    CHECK(cuMemsetD32(total_address, 0, 1));
    for (int v = 1; v <= 10; v++) {
        void *value_args[] = {&v};
        CHECK(cuLaunchKernel(add_to_total, 1, 1, 1, 1, 1, 1, 0, NULL, value_args, NULL));
    }
    int device_total = 0;
    CHECK(cuMemcpyDtoH(&device_total, total_address, sizeof device_total));
    printf("global bytes %zu total %d\n", total_bytes, device_total);

    /* Pointer attributes of device, pinned host and pageable host memory. */
    void *pinned;
    CHECK(cuMemAllocHost(&pinned, 4096));
    unsigned int type = 0;
    CHECK(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, da + 100));
    CUdeviceptr base;
    size_t range;
    CHECK(cuMemGetAddressRange(&base, &range, da + 100));
    int ordinal = -1;
    CHECK(cuPointerGetAttribute(&ordinal, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, da));
    printf("device pointer type %u base ok %d size %zu ordinal %d\n", type, base == da, range, ordinal);
    CHECK(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, (CUdeviceptr)(uintptr_t)pinned));
    printf("pinned type %u\n", type);
    printf("pageable attribute -> %d\n",
           (int)cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, (CUdeviceptr)(uintptr_t)a));
    CUpointer_attribute attributes[] = {CU_POINTER_ATTRIBUTE_MEMORY_TYPE, CU_POINTER_ATTRIBUTE_IS_MANAGED};
    unsigned int types[1] = {99};
    int managed = 99;
    void *values[] = {types, &managed};
    CHECK(cuPointerGetAttributes(2, attributes, values, (CUdeviceptr)(uintptr_t)a));
    printf("pageable attributes type %u managed %d\n", types[0], managed);
    CHECK(cuMemFreeHost(pinned));

    /* Entry points through cuGetProcAddress, as NVIDIA's runtime finds them. */
    void *alloc_v2 = NULL, *memcpy_ptds = NULL, *none = NULL;
    CUdriverProcAddressQueryResult status;
    CHECK(cuGetProcAddress("cuMemAlloc", &alloc_v2, 13000, CU_GET_PROC_ADDRESS_DEFAULT, &status));
    printf("cuMemAlloc@13000 is cuMemAlloc_v2 %d\n", alloc_v2 == (void *)cuMemAlloc_v2);
    CHECK(cuGetProcAddress("cuMemcpy", &memcpy_ptds, 13000, CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM, &status));
    printf("cuMemcpy per-thread found %d status %d\n", memcpy_ptds != NULL, (int)status);
    CUresult r = cuGetProcAddress("cuNoSuchFunction", &none, 13000, 0, &status);
    printf("unknown name -> %d status %d null %d\n", (int)r, (int)status, none == NULL);
    CUdeviceptr via_proc = 0;
    CHECK(((CUresult(*)(CUdeviceptr *, size_t))alloc_v2)(&via_proc, 256));
    CHECK(cuMemFree(via_proc));

    const char *text = NULL;
    CHECK(cuGetErrorString(CUDA_ERROR_INVALID_VALUE, &text));
    printf("error string: %s\n", text);
    CHECK(cuEventDestroy(start));
    CHECK(cuEventDestroy(stop));
    CHECK(cuStreamDestroy(stream));
    CHECK(cuMemFree(da));
    CHECK(cuMemFree(db));
    CHECK(cuMemFree(dc));
    printf("double free -> %d\n", (int)cuMemFree(da));
    CHECK(cuModuleUnload(module));
    CHECK(cuDevicePrimaryCtxRelease(device));
    printf("driver_basics: ok\n");
    return 0;
}
