/*
 * Drives the CUDA runtime API through Orion's libcudart.so.13 the way a compiled CUDA program
 * does, including the registration calls nvcc would emit. Run against the mock client by
 * `make test`, and against the real client and an emulated-device server by the CI test
 * (tests/Orion.CudartStub.Tests), which registers the kernels "orion_test_vector_add"
 * (float *a, float *b, float *c, int n: c = a + b) and "orion_test_fault" (illegal address) and
 * the 4-byte global "orion_test_counter".
 *
 * Usage: cudart_api_test            full run; prints "PASS <n> checks" and exits 0
 *        cudart_api_test no-server  expects every device call to fail cleanly with NoDevice
 *        cudart_api_test busy       expects every device call to fail with DevicesUnavailable (the server is
 *                                   there but has no vGPU free for what ORION_VGPU_* asks)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_abi.h"

/* The runtime API entry points used here, with CUDA's signatures. */
cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *properties, int device);
cudaError_t cudaDeviceGetAttribute(int *value, enum cudaDeviceAttr attribute, int device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDevice(int *device);
cudaError_t cudaSetDeviceFlags(unsigned int flags);
cudaError_t cudaGetDeviceFlags(unsigned int *flags);
cudaError_t cudaInitDevice(int device, unsigned int device_flags, unsigned int flags);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaDeviceReset(void);
cudaError_t cudaDriverGetVersion(int *version);
cudaError_t cudaRuntimeGetVersion(int *version);
cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes);
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);
const char *cudaGetErrorName(cudaError_t error);
const char *cudaGetErrorString(cudaError_t error);
cudaError_t cudaMalloc(void **pointer, size_t size);
cudaError_t cudaFree(void *pointer);
cudaError_t cudaMallocPitch(void **pointer, size_t *pitch, size_t width, size_t height);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream);
cudaError_t cudaMemcpy2D(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width, size_t height,
                         enum cudaMemcpyKind kind);
cudaError_t cudaMemset(void *dst, int value, size_t count);
cudaError_t cudaMemsetAsync(void *dst, int value, size_t count, cudaStream_t stream);
cudaError_t cudaMemset2D(void *dst, size_t pitch, int value, size_t width, size_t height);
cudaError_t cudaMallocHost(void **pointer, size_t size);
cudaError_t cudaHostAlloc(void **pointer, size_t size, unsigned int flags);
cudaError_t cudaFreeHost(void *pointer);
cudaError_t cudaHostRegister(void *pointer, size_t size, unsigned int flags);
cudaError_t cudaHostUnregister(void *pointer);
cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes *attributes, const void *pointer);
cudaError_t cudaMemcpyToSymbol(const void *symbol, const void *src, size_t count, size_t offset,
                               enum cudaMemcpyKind kind);
cudaError_t cudaMemcpyFromSymbol(void *dst, const void *symbol, size_t count, size_t offset,
                                 enum cudaMemcpyKind kind);
cudaError_t cudaGetSymbolSize(size_t *size, const void *symbol);
cudaError_t cudaStreamCreate(cudaStream_t *stream);
cudaError_t cudaStreamCreateWithPriority(cudaStream_t *stream, unsigned int flags, int priority);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamQuery(cudaStream_t stream);
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags);
cudaError_t cudaStreamAddCallback(cudaStream_t stream, cudaStreamCallback_t callback, void *user, unsigned int flags);
cudaError_t cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t function, void *user);
cudaError_t cudaEventCreate(cudaEvent_t *event);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventQuery(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaLaunchKernel(const void *function, dim3 grid, dim3 block, void **args, size_t shared, cudaStream_t s);
cudaError_t cudaLaunchKernelExC(const cudaLaunchConfig_t *config, const void *function, void **args);
cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *attributes, const void *function);
cudaError_t cudaFuncSetAttribute(const void *function, enum cudaFuncAttribute attribute, int value);
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int *blocks, const void *function, int block, size_t dyn);
cudaError_t cudaGraphCreate(void *graph, unsigned int flags);
void **__cudaRegisterFatBinary(void *wrapper);
void __cudaRegisterFatBinaryEnd(void **handle);
void __cudaUnregisterFatBinary(void **handle);
void __cudaRegisterFunction(void **handle, const char *host_function, char *device_function, const char *name,
                            int thread_limit, uint3 *tid, uint3 *bid, dim3 *block, dim3 *grid, int *warp_size);
void __cudaRegisterVar(void **handle, char *host_variable, char *device_address, const char *name, int ext,
                       size_t size, int constant, int global);
char __cudaInitModule(void **handle);
unsigned __cudaPushCallConfiguration(dim3 grid, dim3 block, size_t shared, cudaStream_t stream);
cudaError_t __cudaPopCallConfiguration(dim3 *grid, dim3 *block, size_t *shared, void *stream);
cudaError_t __cudaGetKernel(cudaKernel_t *kernel, const void *function);
cudaError_t cudaGetKernel(cudaKernel_t *kernel, const void *function);
cudaError_t __cudaLaunchKernel(cudaKernel_t kernel, dim3 grid, dim3 block, void **args, size_t shared,
                               cudaStream_t stream);

static int checks, failures;

#define EXPECT(condition)                                                                                          \
    do {                                                                                                           \
        checks++;                                                                                                  \
        if (!(condition)) {                                                                                        \
            failures++;                                                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #condition);                                  \
        }                                                                                                          \
    } while (0)

#define EXPECT_CODE(expected, call)                                                                                \
    do {                                                                                                           \
        cudaError_t got_ = (call);                                                                                 \
        checks++;                                                                                                  \
        if (got_ != (expected)) {                                                                                  \
            failures++;                                                                                            \
            fprintf(stderr, "FAIL %s:%d: %s gave %s, expected %s\n", __FILE__, __LINE__, #call,                    \
                    cudaGetErrorName(got_), cudaGetErrorName(expected));                                           \
        }                                                                                                          \
    } while (0)

/* A fat binary as nvcc embeds it: header (magic, version, header size, payload size) + payload. */
static const struct {
    orion_fatbin_header header;
    unsigned char payload[48];
} fatbin = {{ORION_FATBIN_MAGIC, 1, sizeof(orion_fatbin_header), 48}, {"orion test image: not real GPU code"}};
static const orion_fatbin_wrapper wrapper = {(int)ORION_FATBINC_MAGIC, ORION_FATBINC_VERSION,
                                             (const unsigned long long *)&fatbin, NULL};

/* Host-side stand-ins for the kernels and the variable; only their addresses matter. */
static void vector_add_stub(void) {}
static void fault_stub(void) {}
static void unregistered_stub(void) {}
static int counter_shadow;
static void **module_handle;

static void register_device_code(void)
{
    module_handle = __cudaRegisterFatBinary((void *)&wrapper);
    __cudaRegisterFunction(module_handle, (const char *)vector_add_stub, (char *)"orion_test_vector_add",
                           "orion_test_vector_add", -1, NULL, NULL, NULL, NULL, NULL);
    __cudaRegisterFunction(module_handle, (const char *)fault_stub, (char *)"orion_test_fault", "orion_test_fault", -1,
                           NULL, NULL, NULL, NULL, NULL);
    __cudaRegisterVar(module_handle, (char *)&counter_shadow, (char *)"orion_test_counter", "orion_test_counter", 0,
                      sizeof counter_shadow, 0, 0);
    __cudaRegisterFatBinaryEnd(module_handle);
}

static dim3 make_dim3(unsigned x, unsigned y, unsigned z)
{
    dim3 d = {x, y, z};
    return d;
}

static void *error_thread(void *argument)
{
    (void)argument;
    /* The last error is per thread: this thread starts clean and its error stays here. */
    cudaError_t *seen = malloc(2 * sizeof *seen);
    seen[0] = cudaPeekAtLastError();
    cudaSetDevice(-7);
    seen[1] = cudaGetLastError();
    return seen;
}

static void test_errors(void)
{
    EXPECT(strcmp(cudaGetErrorName(cudaErrorInvalidValue), "cudaErrorInvalidValue") == 0);
    EXPECT(strcmp(cudaGetErrorString(cudaErrorInvalidValue), "invalid argument") == 0);
    EXPECT(strcmp(cudaGetErrorName((cudaError_t)4242), "unrecognized error code") == 0);
    EXPECT_CODE(cudaSuccess, cudaGetLastError());
    EXPECT_CODE(cudaErrorInvalidDevice, cudaSetDevice(99));
    EXPECT_CODE(cudaErrorInvalidDevice, cudaPeekAtLastError());
    pthread_t thread;
    pthread_create(&thread, NULL, error_thread, NULL);
    void *result = NULL;
    pthread_join(thread, &result);
    cudaError_t *seen = result;
    EXPECT(seen[0] == cudaSuccess && seen[1] == cudaErrorInvalidDevice);
    free(seen);
    EXPECT_CODE(cudaErrorInvalidDevice, cudaGetLastError()); /* still this thread's own error */
    EXPECT_CODE(cudaSuccess, cudaGetLastError());
    /* Unsupported functions fail clearly and record the error. */
    EXPECT_CODE(cudaErrorNotSupported, cudaGraphCreate(NULL, 0));
    EXPECT_CODE(cudaErrorNotSupported, cudaGetLastError());
}

static void test_devices(void)
{
    int count = 0, device = -1, version = 0;
    EXPECT_CODE(cudaSuccess, cudaGetDeviceCount(&count));
    EXPECT(count >= 1);
    EXPECT_CODE(cudaSuccess, cudaSetDevice(0));
    EXPECT_CODE(cudaSuccess, cudaGetDevice(&device));
    EXPECT(device == 0);
    EXPECT_CODE(cudaSuccess, cudaRuntimeGetVersion(&version));
    EXPECT(version == 13000);
    EXPECT_CODE(cudaSuccess, cudaDriverGetVersion(&version));
    EXPECT(version > 0);
    struct cudaDeviceProp properties;
    memset(&properties, 0x5a, sizeof properties);
    EXPECT_CODE(cudaSuccess, cudaGetDeviceProperties(&properties, 0));
    EXPECT(properties.name[0] != '\0' && memchr(properties.name, '\0', sizeof properties.name) != NULL);
    EXPECT(properties.warpSize == 32 && properties.maxThreadsPerBlock > 0 && properties.totalGlobalMem > 0);
    EXPECT(properties.reserved[0] == 0);
    int value = 0;
    EXPECT_CODE(cudaSuccess, cudaDeviceGetAttribute(&value, cudaDevAttrWarpSize, 0));
    EXPECT(value == properties.warpSize);
    EXPECT_CODE(cudaErrorInvalidDevice, cudaGetDeviceProperties(&properties, count));
    size_t free_bytes = 0, total_bytes = 0;
    EXPECT_CODE(cudaSuccess, cudaMemGetInfo(&free_bytes, &total_bytes));
    EXPECT(total_bytes > 0 && free_bytes <= total_bytes);

    /* Device flags are checked and recorded; cudaInitDevice applies its device flags only when
       its own flags say they are valid, as CUDA does. */
    unsigned int device_flags = 0;
    EXPECT_CODE(cudaSuccess, cudaSetDeviceFlags(cudaDeviceLmemResizeToMax));
    EXPECT_CODE(cudaSuccess, cudaGetDeviceFlags(&device_flags));
    EXPECT(device_flags == cudaDeviceLmemResizeToMax);
    EXPECT_CODE(cudaErrorInvalidValue, cudaSetDeviceFlags(cudaDeviceMask + 1));
    EXPECT_CODE(cudaSuccess, cudaInitDevice(0, 0, 0));
    EXPECT_CODE(cudaSuccess, cudaGetDeviceFlags(&device_flags));
    EXPECT(device_flags == cudaDeviceLmemResizeToMax);
    EXPECT_CODE(cudaSuccess, cudaInitDevice(0, 0, cudaInitDeviceFlagsAreValid));
    EXPECT_CODE(cudaSuccess, cudaGetDeviceFlags(&device_flags));
    EXPECT(device_flags == 0);
    EXPECT_CODE(cudaErrorInvalidValue, cudaInitDevice(0, cudaDeviceMask + 1, cudaInitDeviceFlagsAreValid));
    EXPECT_CODE(cudaErrorInvalidValue, cudaInitDevice(0, 0, cudaInitDeviceFlagsAreValid << 1));
    EXPECT_CODE(cudaErrorInvalidDevice, cudaInitDevice(count, 0, cudaInitDeviceFlagsAreValid));
    cudaGetLastError();
}

static void test_memory(void)
{
    enum { N = 1000 };
    int host[N], back[N];
    for (int i = 0; i < N; i++)
        host[i] = i * 7 - 3;
    int *a = NULL, *b = NULL;
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&a, sizeof host));
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&b, sizeof host));
    EXPECT(a != NULL && b != NULL && a != b);
    EXPECT_CODE(cudaSuccess, cudaMemcpy(a, host, sizeof host, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(b, a, sizeof host, cudaMemcpyDefault)); /* inferred device to device */
    memset(back, 0, sizeof back);
    EXPECT_CODE(cudaSuccess, cudaMemcpy(back, b, sizeof back, cudaMemcpyDefault));
    EXPECT(memcmp(host, back, sizeof host) == 0);
    EXPECT_CODE(cudaSuccess, cudaMemset(b + 10, 0xab, 5 * sizeof(int)));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(back, b, sizeof back, cudaMemcpyDeviceToHost));
    EXPECT(back[9] == host[9] && back[10] == (int)0xabababab && back[14] == (int)0xabababab && back[15] == host[15]);
    struct cudaPointerAttributes attributes;
    EXPECT_CODE(cudaSuccess, cudaPointerGetAttributes(&attributes, a + 5));
    EXPECT(attributes.type == cudaMemoryTypeDevice && attributes.device == 0);
    EXPECT_CODE(cudaSuccess, cudaPointerGetAttributes(&attributes, host));
    EXPECT(attributes.type == cudaMemoryTypeUnregistered);
    EXPECT_CODE(cudaErrorInvalidValue, cudaFree(a + 1));
    EXPECT_CODE(cudaErrorInvalidMemcpyDirection, cudaMemcpy(a, host, 4, (enum cudaMemcpyKind)9));
    /* A null pointer is refused before anything is sent; an empty copy needs no pointers. */
    EXPECT_CODE(cudaErrorInvalidValue, cudaMemcpy(NULL, host, 4, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaErrorInvalidValue, cudaMemcpy2D(back, 8, NULL, 8, 4, 2, cudaMemcpyDeviceToHost));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(NULL, NULL, 0, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaSuccess, cudaFree(a));
    EXPECT_CODE(cudaErrorInvalidValue, cudaFree(a));
    EXPECT_CODE(cudaSuccess, cudaFree(b));
    EXPECT_CODE(cudaSuccess, cudaFree(NULL));

    /* 2D: a 5x3 block of bytes into pitched memory and back. */
    char *pitched = NULL;
    size_t pitch = 0;
    EXPECT_CODE(cudaSuccess, cudaMallocPitch((void **)&pitched, &pitch, 5, 3));
    EXPECT(pitch >= 5);
    char rows[3][5] = {"abcd", "efgh", "ijkl"}, out[3][8];
    memset(out, '.', sizeof out);
    EXPECT_CODE(cudaSuccess, cudaMemset2D(pitched, pitch, 'z', 5, 3));
    EXPECT_CODE(cudaSuccess, cudaMemcpy2D(pitched, pitch, rows, 5, 4, 3, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaSuccess, cudaMemcpy2D(out, 8, pitched, pitch, 5, 3, cudaMemcpyDeviceToHost));
    EXPECT(memcmp(out[0], "abcdz...", 8) == 0 && memcmp(out[2], "ijklz...", 8) == 0);
    EXPECT_CODE(cudaErrorInvalidPitchValue, cudaMemcpy2D(out, 2, pitched, pitch, 5, 3, cudaMemcpyDeviceToHost));
    EXPECT_CODE(cudaSuccess, cudaFree(pitched));

    /* Host memory stays on the client; mapped memory is refused clearly. */
    void *pinned = NULL, *mapped = (void *)1;
    EXPECT_CODE(cudaSuccess, cudaMallocHost(&pinned, 4096));
    EXPECT(pinned != NULL && ((uintptr_t)pinned % 4096) == 0);
    EXPECT_CODE(cudaSuccess, cudaPointerGetAttributes(&attributes, pinned));
    EXPECT(attributes.type == cudaMemoryTypeHost);
    EXPECT_CODE(cudaErrorNotSupported, cudaHostAlloc(&mapped, 4096, cudaHostAllocMapped));
    /* Twice: `make test` checks that the warning is logged once. */
    EXPECT_CODE(cudaErrorNotSupported, cudaHostAlloc(&mapped, 4096, cudaHostAllocMapped));
    EXPECT_CODE(cudaSuccess, cudaFreeHost(pinned));
    EXPECT_CODE(cudaErrorInvalidValue, cudaFreeHost(pinned));
    static char registered[8192];
    EXPECT_CODE(cudaSuccess, cudaHostRegister(registered, sizeof registered, 0));
    EXPECT_CODE(cudaErrorHostMemoryAlreadyRegistered, cudaHostRegister(registered + 100, 10, 0));
    EXPECT_CODE(cudaSuccess, cudaHostUnregister(registered));
    EXPECT_CODE(cudaErrorHostMemoryNotRegistered, cudaHostUnregister(registered));
    EXPECT_CODE(cudaErrorNotSupported, cudaHostRegister(registered, sizeof registered, cudaHostRegisterMapped));
    EXPECT_CODE(cudaErrorInvalidValue, cudaHostRegister(registered, sizeof registered, 0x80000000u));
    EXPECT_CODE(cudaErrorHostMemoryNotRegistered, cudaHostUnregister(registered));
    cudaGetLastError();
}

static int callback_calls;
static cudaStream_t callback_stream;
static void on_stream_point(cudaStream_t stream, cudaError_t status, void *user)
{
    if (stream == callback_stream && status == cudaSuccess && user == &callback_calls)
        callback_calls += 1;
}
static void on_host_function(void *user) { *(int *)user += 10; }

static void test_streams_and_events(void)
{
    cudaStream_t stream = NULL, other = NULL;
    EXPECT_CODE(cudaSuccess, cudaStreamCreate(&stream));
    EXPECT_CODE(cudaSuccess, cudaStreamCreateWithPriority(&other, 1, -1));
    EXPECT(stream != NULL && other != NULL && stream != other);
    callback_stream = stream;
    /* More than the 16 KiB that travel inside a record: these copies go as bulk chunks (compressed ones under
       ORION_COMPRESSION=on). */
    enum { N = 96 * 1024 };
    static unsigned char host[N], back[N];
    for (int i = 0; i < N; i++)
        host[i] = (unsigned char)(i * 31);
    unsigned char *device = NULL;
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&device, N));
    cudaEvent_t start = NULL, stop = NULL, marker = NULL;
    EXPECT_CODE(cudaSuccess, cudaEventCreate(&start));
    EXPECT_CODE(cudaSuccess, cudaEventCreate(&stop));
    EXPECT_CODE(cudaSuccess, cudaEventCreateWithFlags(&marker, cudaEventDisableTiming));
    cudaEvent_t interprocess = NULL;
    EXPECT_CODE(cudaErrorNotSupported, cudaEventCreateWithFlags(&interprocess, cudaEventInterprocess));
    EXPECT(interprocess == NULL);
    cudaGetLastError();
    EXPECT_CODE(cudaSuccess, cudaEventRecord(start, stream));
    EXPECT_CODE(cudaSuccess, cudaMemcpyAsync(device, host, N, cudaMemcpyHostToDevice, stream));
    EXPECT_CODE(cudaSuccess, cudaMemsetAsync(device, 7, 16, stream));
    EXPECT_CODE(cudaSuccess, cudaEventRecord(marker, stream));
    EXPECT_CODE(cudaSuccess, cudaStreamWaitEvent(other, marker, 0));
    EXPECT_CODE(cudaSuccess, cudaMemcpyAsync(back, device, N, cudaMemcpyDeviceToHost, other));
    EXPECT_CODE(cudaSuccess, cudaStreamAddCallback(stream, on_stream_point, &callback_calls, 0));
    EXPECT_CODE(cudaSuccess, cudaLaunchHostFunc(stream, on_host_function, &callback_calls));
    EXPECT_CODE(cudaSuccess, cudaEventRecord(stop, stream));
    EXPECT_CODE(cudaSuccess, cudaStreamSynchronize(other));
    EXPECT_CODE(cudaSuccess, cudaStreamSynchronize(stream));
    EXPECT_CODE(cudaSuccess, cudaEventSynchronize(stop));
    EXPECT(callback_calls == 11);
    EXPECT(back[0] == 7 && back[15] == 7 && back[16] == host[16] && back[N - 1] == host[N - 1]);
    float ms = -1;
    EXPECT_CODE(cudaSuccess, cudaEventElapsedTime(&ms, start, stop));
    EXPECT(ms >= 0);
    EXPECT_CODE(cudaSuccess, cudaStreamQuery(stream));
    EXPECT_CODE(cudaSuccess, cudaEventQuery(stop));
    EXPECT_CODE(cudaErrorInvalidValue, cudaStreamAddCallback(stream, on_stream_point, NULL, 1));
    EXPECT_CODE(cudaErrorInvalidResourceHandle, cudaStreamDestroy(NULL));
    cudaGetLastError();
    EXPECT_CODE(cudaSuccess, cudaEventDestroy(start));
    EXPECT_CODE(cudaSuccess, cudaEventDestroy(stop));
    EXPECT_CODE(cudaSuccess, cudaEventDestroy(marker));
    EXPECT_CODE(cudaSuccess, cudaStreamDestroy(stream));
    EXPECT_CODE(cudaSuccess, cudaStreamDestroy(other));
    EXPECT_CODE(cudaSuccess, cudaFree(device));
}

/* Launch attributes Orion cannot honour are refused, not dropped: the kernel would run differently. */
static void test_unsupported_launch_attributes(void)
{
    cudaLaunchAttribute attribute;
    memset(&attribute, 0, sizeof attribute);
    cudaLaunchConfig_t config = {.gridDim = {1, 1, 1}, .blockDim = {32, 1, 1}, .attrs = &attribute, .numAttrs = 1};
    attribute.id = cudaLaunchAttributeCooperative;
    attribute.val.cooperative = 1;
    EXPECT_CODE(cudaErrorNotSupported, cudaLaunchKernelExC(&config, (const void *)vector_add_stub, NULL));
    attribute.id = cudaLaunchAttributeClusterDimension;
    attribute.val.clusterDim.x = 2;
    attribute.val.clusterDim.y = attribute.val.clusterDim.z = 1;
    EXPECT_CODE(cudaErrorNotSupported, cudaLaunchKernelExC(&config, (const void *)vector_add_stub, NULL));
    memset(&attribute, 0, sizeof attribute);
    attribute.id = (enum cudaLaunchAttributeID)99; /* no such attribute */
    EXPECT_CODE(cudaErrorNotSupported, cudaLaunchKernelExC(&config, (const void *)vector_add_stub, NULL));
    cudaGetLastError();
}

static void test_kernels(void)
{
    enum { N = 300 };
    float a[N], b[N], c[N];
    for (int i = 0; i < N; i++) {
        a[i] = (float)i;
        b[i] = (float)(2 * i) + 0.5f;
    }
    float *da, *db, *dc;
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&da, sizeof a));
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&db, sizeof b));
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&dc, sizeof c));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(da, a, sizeof a, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(db, b, sizeof b, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaSuccess, cudaMemset(dc, 0, sizeof c));
    int n = N;
    void *args[] = {&da, &db, &dc, &n};
    EXPECT(__cudaInitModule(module_handle) == 1);

    /* The path nvcc 13 generates for kernel<<<grid, block>>>(...). */
    EXPECT(__cudaPushCallConfiguration(make_dim3(3, 1, 1), make_dim3(128, 1, 1), 0, NULL) == 0);
    dim3 grid, block;
    size_t shared = 1;
    cudaStream_t stream = (cudaStream_t)1;
    EXPECT_CODE(cudaSuccess, __cudaPopCallConfiguration(&grid, &block, &shared, &stream));
    EXPECT(grid.x == 3 && block.x == 128 && shared == 0 && stream == NULL);
    EXPECT_CODE(cudaErrorMissingConfiguration, __cudaPopCallConfiguration(&grid, &block, &shared, &stream));
    cudaGetLastError();
    cudaKernel_t kernel = NULL;
    EXPECT_CODE(cudaSuccess, __cudaGetKernel(&kernel, (const void *)vector_add_stub));
    EXPECT(kernel != NULL);
    EXPECT_CODE(cudaSuccess, __cudaLaunchKernel(kernel, grid, block, args, shared, stream));
    EXPECT_CODE(cudaSuccess, cudaDeviceSynchronize());
    EXPECT_CODE(cudaSuccess, cudaMemcpy(c, dc, sizeof c, cudaMemcpyDeviceToHost));
    int wrong = 0;
    for (int i = 0; i < N; i++)
        wrong += c[i] != a[i] + b[i];
    EXPECT(wrong == 0);

    /* cudaLaunchKernel with the host function pointer, after clearing the output. */
    EXPECT_CODE(cudaSuccess, cudaMemset(dc, 0, sizeof c));
    EXPECT_CODE(cudaSuccess, cudaLaunchKernel((const void *)vector_add_stub, make_dim3(1, 1, 1),
                                              make_dim3(N, 1, 1), args, 0, NULL));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(c, dc, sizeof c, cudaMemcpyDeviceToHost));
    EXPECT(c[N - 1] == a[N - 1] + b[N - 1]);

    /* A kernel handle from cudaGetKernel works where a host function does. */
    cudaKernel_t handle = NULL;
    EXPECT_CODE(cudaSuccess, cudaGetKernel(&handle, (const void *)vector_add_stub));
    EXPECT(handle == kernel);
    EXPECT_CODE(cudaSuccess, cudaMemset(dc, 0, sizeof c));
    EXPECT_CODE(cudaSuccess, cudaLaunchKernel((const void *)handle, make_dim3(1, 1, 1), make_dim3(N, 1, 1), args, 0,
                                              NULL));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(c, dc, sizeof c, cudaMemcpyDeviceToHost));
    EXPECT(c[5] == a[5] + b[5]);

    /* Launch errors. */
    EXPECT_CODE(cudaErrorInvalidResourceHandle, cudaLaunchKernel((const void *)unregistered_stub, make_dim3(1, 1, 1),
                                                                 make_dim3(1, 1, 1), args, 0, NULL));
    EXPECT_CODE(cudaErrorInvalidValue, cudaLaunchKernel((const void *)vector_add_stub, make_dim3(0, 1, 1),
                                                        make_dim3(1, 1, 1), args, 0, NULL));
    EXPECT_CODE(cudaErrorInvalidValue, cudaLaunchKernel((const void *)vector_add_stub, make_dim3(1, 1, 1),
                                                        make_dim3(2048, 1, 1), args, 0, NULL));
    EXPECT_CODE(cudaErrorInvalidValue, cudaGetLastError());
    EXPECT_CODE(cudaSuccess, cudaDeviceSynchronize()); /* configuration errors are not sticky */
    /* More than the default 48 KiB of dynamic shared memory needs an opt-in first. */
    const int big_shared = 100 * 1024;
    EXPECT_CODE(cudaErrorInvalidValue, cudaLaunchKernel((const void *)vector_add_stub, make_dim3(1, 1, 1),
                                                        make_dim3(32, 1, 1), args, big_shared, NULL));
    EXPECT_CODE(cudaSuccess, cudaFuncSetAttribute((const void *)vector_add_stub,
                                                  cudaFuncAttributeMaxDynamicSharedMemorySize, big_shared));
    EXPECT_CODE(cudaSuccess, cudaLaunchKernel((const void *)vector_add_stub, make_dim3(1, 1, 1), make_dim3(32, 1, 1),
                                              args, big_shared, NULL));
    /* The stub accepted the launch; whether it runs is the server's device's business (a GPU
     * honours the opt-in; the emulated device, as of this writing, refuses more than 48 KiB). */
    cudaError_t big_launch = cudaDeviceSynchronize();
    EXPECT(big_launch == cudaSuccess || big_launch == cudaErrorInvalidValue);
    cudaGetLastError();

    /* Function queries. */
    struct cudaFuncAttributes attributes;
    EXPECT_CODE(cudaSuccess, cudaFuncGetAttributes(&attributes, (const void *)vector_add_stub));
    EXPECT(attributes.maxThreadsPerBlock > 0);
    int blocks = 0;
    EXPECT_CODE(cudaSuccess, cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, (const void *)vector_add_stub,
                                                                          256, 0));
    EXPECT(blocks > 0);

    /* __device__ variables. */
    int value = 41, read = 0;
    size_t size = 0;
    EXPECT_CODE(cudaSuccess, cudaGetSymbolSize(&size, &counter_shadow));
    EXPECT(size == sizeof(int));
    EXPECT_CODE(cudaSuccess, cudaMemcpyToSymbol(&counter_shadow, &value, sizeof value, 0, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaSuccess, cudaMemcpyFromSymbol(&read, &counter_shadow, sizeof read, 0, cudaMemcpyDeviceToHost));
    EXPECT(read == 41);
    EXPECT_CODE(cudaErrorInvalidValue, cudaMemcpyToSymbol(&counter_shadow, &value, 8, 0, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaErrorInvalidSymbol, cudaMemcpyToSymbol(&value, &value, 4, 0, cudaMemcpyHostToDevice));
    cudaGetLastError();
    EXPECT_CODE(cudaSuccess, cudaFree(da));
    EXPECT_CODE(cudaSuccess, cudaFree(db));
    EXPECT_CODE(cudaSuccess, cudaFree(dc));

    /* Last: a faulting kernel. The error surfaces at the next synchronizing call and is sticky. */
    void *no_args[] = {NULL};
    EXPECT_CODE(cudaSuccess, cudaLaunchKernel((const void *)fault_stub, make_dim3(1, 1, 1), make_dim3(1, 1, 1),
                                              no_args, 0, NULL));
    EXPECT_CODE(cudaErrorIllegalAddress, cudaDeviceSynchronize());
    EXPECT_CODE(cudaErrorIllegalAddress, cudaGetLastError());
    EXPECT_CODE(cudaSuccess, cudaGetLastError());
    void *more = NULL;
    EXPECT_CODE(cudaErrorIllegalAddress, cudaMalloc(&more, 64));

    /* cudaDeviceReset gives a fresh context: allocations and kernels work again (the module is
     * loaded anew, since the old one went with the old context). */
    EXPECT_CODE(cudaSuccess, cudaDeviceReset());
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&da, sizeof a));
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&db, sizeof b));
    EXPECT_CODE(cudaSuccess, cudaMalloc((void **)&dc, sizeof c));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(da, a, sizeof a, cudaMemcpyHostToDevice));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(db, b, sizeof b, cudaMemcpyHostToDevice));
    memset(c, 0, sizeof c);
    EXPECT_CODE(cudaSuccess, cudaLaunchKernel((const void *)vector_add_stub, make_dim3(2, 1, 1), make_dim3(256, 1, 1),
                                              args, 0, NULL));
    EXPECT_CODE(cudaSuccess, cudaMemcpy(c, dc, sizeof c, cudaMemcpyDeviceToHost));
    EXPECT(c[7] == a[7] + b[7] && c[N - 1] == a[N - 1] + b[N - 1]);
    EXPECT_CODE(cudaSuccess, cudaFree(da));
    EXPECT_CODE(cudaSuccess, cudaFree(db));
    EXPECT_CODE(cudaSuccess, cudaFree(dc));
}

static int run_no_server(void)
{
    int count = 7;
    EXPECT_CODE(cudaErrorNoDevice, cudaGetDeviceCount(&count));
    EXPECT(count == 0);
    void *pointer = NULL;
    EXPECT_CODE(cudaErrorNoDevice, cudaMalloc(&pointer, 16));
    EXPECT_CODE(cudaErrorNoDevice, cudaDeviceSynchronize());
    EXPECT_CODE(cudaErrorNoDevice, cudaGetLastError());
    int version = -1;
    EXPECT_CODE(cudaSuccess, cudaDriverGetVersion(&version));
    EXPECT(version == 0);
    /* Purely local calls still work. */
    EXPECT(strcmp(cudaGetErrorName(cudaErrorNoDevice), "cudaErrorNoDevice") == 0);
    EXPECT_CODE(cudaSuccess, cudaMallocHost(&pointer, 64));
    EXPECT_CODE(cudaSuccess, cudaFreeHost(pointer));
    return 0;
}

/* A server that refused for lack of capacity is busy, not absent: CUDA's answer for a busy device. */
static int run_busy(void)
{
    int count = 7;
    EXPECT_CODE(cudaErrorDevicesUnavailable, cudaGetDeviceCount(&count));
    EXPECT(count == 0);
    void *pointer = NULL;
    EXPECT_CODE(cudaErrorDevicesUnavailable, cudaMalloc(&pointer, 16));
    return 0;
}

int main(int argc, char **argv)
{
    register_device_code();
    if (argc > 1 && strcmp(argv[1], "no-server") == 0) {
        run_no_server();
    } else if (argc > 1 && strcmp(argv[1], "busy") == 0) {
        run_busy();
    } else {
        test_errors();
        test_devices();
        test_memory();
        test_streams_and_events();
        test_unsupported_launch_attributes();
        test_kernels();
    }
    __cudaUnregisterFatBinary(module_handle);
    if (failures != 0) {
        printf("FAILED %d of %d checks\n", failures, checks);
        return 1;
    }
    printf("PASS %d checks\n", checks);
    return 0;
}
