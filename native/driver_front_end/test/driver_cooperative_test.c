/*
 * Cooperative launches through Orion's libcuda.so.1, against the real client and a server with the emulated
 * device (tests/Orion.CudartStub.Tests, whose kernel orion_test_grid_phases is the kernel of
 * tests/cuda/library-programs/15_cooperative_grid_sync.cu: it synchronizes its grid twice, and faults when
 * it was not launched cooperatively). It checks cuLaunchCooperativeKernel and cuLaunchKernelEx with the
 * cooperative attribute (argument pointers and a packed buffer), that a grid too large to be resident
 * reports CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE at the next synchronizing call without poisoning the
 * context, and that a plain launch of the kernel is not cooperative.
 * The declarations are ours (include/cuda_driver_abi.h); no NVIDIA header is used.
 */
#include <stdio.h>
#include <string.h>

#include "cuda_driver_abi.h"

CUresult cuInit(unsigned int);
CUresult cuDeviceGet(CUdevice *, int);
CUresult cuDeviceGetAttribute(int *, int, CUdevice);
CUresult cuDevicePrimaryCtxRetain(CUcontext *, CUdevice);
CUresult cuCtxSetCurrent(CUcontext);
CUresult cuCtxSynchronize(void);
CUresult cuModuleLoadData(CUmodule *, const void *);
CUresult cuModuleGetFunction(CUfunction *, CUmodule, const char *);
CUresult cuMemAlloc_v2(CUdeviceptr *, size_t);
CUresult cuMemsetD32_v2(CUdeviceptr, unsigned int, size_t);
CUresult cuMemcpyDtoH_v2(void *, CUdeviceptr, size_t);
CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int *, CUfunction, int, size_t);
CUresult cuLaunchKernel(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                        void **, void **);
CUresult cuLaunchKernelEx(const CUlaunchConfig *, CUfunction, void **, void **);
CUresult cuLaunchCooperativeKernel(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                                   CUstream, void **);

#include "driver_test_check.h"

enum { N = 1 << 16, THREADS = 256, COOPERATIVE_ATTRIBUTE = 2 /* CU_LAUNCH_ATTRIBUTE_COOPERATIVE */ };

static int a_host[N], b_host[N];
static long long want;

/* What the kernel computes, on the host (as 15_cooperative_grid_sync.cu checks it). */
static void expected(void)
{
    for (int i = 0; i < N; i++)
        a_host[i] = (int)((long long)i * 37 % 1001);
    want = 0;
    for (int i = 0; i < N; i++) {
        int bi = a_host[(i + N / 2 + 12345) % N] - a_host[i];
        b_host[i] = bi;
        want += bi + 2LL * a_host[N - 1 - i];
    }
}

static CUdeviceptr a, b, partial, total;

static void clear(void)
{
    EXPECT_OK(cuMemsetD32_v2(b, 0, N));
    EXPECT_OK(cuMemsetD32_v2(total, 0, 2));
}

static int results_correct(void)
{
    static int b_back[N];
    long long sum = 0;
    EXPECT_OK(cuMemcpyDtoH_v2(b_back, b, sizeof b_back));
    EXPECT_OK(cuMemcpyDtoH_v2(&sum, total, sizeof sum));
    return memcmp(b_back, b_host, sizeof b_back) == 0 && sum == want;
}

int main(void)
{
    CUdevice device = -1;
    CUcontext context = NULL;
    int cooperative = 0, multiprocessors = 0;
    EXPECT_OK(cuInit(0));
    EXPECT_OK(cuDeviceGet(&device, 0));
    EXPECT_OK(cuDeviceGetAttribute(&cooperative, CU_DEVICE_ATTRIBUTE_COOPERATIVE_LAUNCH, device));
    EXPECT(cooperative == 1);
    EXPECT_OK(cuDeviceGetAttribute(&multiprocessors, 16 /* MULTIPROCESSOR_COUNT */, device));
    EXPECT_OK(cuDevicePrimaryCtxRetain(&context, device));
    EXPECT_OK(cuCtxSetCurrent(context));
    CUmodule module = NULL;
    CUfunction kernel = NULL;
    EXPECT_OK(cuModuleLoadData(&module, fatbin));
    EXPECT_OK(cuModuleGetFunction(&kernel, module, "orion_test_grid_phases"));
    int per_multiprocessor = 0;
    EXPECT_OK(cuOccupancyMaxActiveBlocksPerMultiprocessor(&per_multiprocessor, kernel, THREADS, 0));
    unsigned int blocks = (unsigned int)(per_multiprocessor * multiprocessors);
    EXPECT(blocks >= 1);
    expected();

    EXPECT_OK(cuMemAlloc_v2(&a, N * sizeof(int)));
    EXPECT_OK(cuMemAlloc_v2(&b, N * sizeof(int)));
    EXPECT_OK(cuMemAlloc_v2(&partial, (blocks + 1) * sizeof(long long)));
    EXPECT_OK(cuMemAlloc_v2(&total, sizeof(long long)));
    int n = N;
    void *args[] = {&a, &b, &partial, &total, &n};

    /* cuLaunchCooperativeKernel with as many blocks as can be resident. */
    clear();
    EXPECT_OK(cuLaunchCooperativeKernel(kernel, blocks, 1, 1, THREADS, 1, 1, 0, NULL, args));
    EXPECT_OK(cuCtxSynchronize());
    EXPECT(results_correct());

    /* cuLaunchKernelEx with the cooperative attribute: argument pointers, then one packed buffer. */
    CUlaunchAttribute attribute;
    memset(&attribute, 0, sizeof attribute);
    attribute.id = COOPERATIVE_ATTRIBUTE;
    int on = 1;
    memcpy(attribute.value.pad, &on, sizeof on);
    CUlaunchConfig config = {blocks, 1, 1, THREADS, 1, 1, 0, NULL, &attribute, 1};
    clear();
    EXPECT_OK(cuLaunchKernelEx(&config, kernel, args, NULL));
    EXPECT_OK(cuCtxSynchronize());
    EXPECT(results_correct());
    unsigned char packed[36];
    memcpy(packed, &a, 8), memcpy(packed + 8, &b, 8), memcpy(packed + 16, &partial, 8), memcpy(packed + 24, &total, 8);
    memcpy(packed + 32, &n, 4);
    size_t packed_size = sizeof packed;
    void *extra[] = {CU_LAUNCH_PARAM_BUFFER_POINTER, packed, CU_LAUNCH_PARAM_BUFFER_SIZE, &packed_size, CU_LAUNCH_PARAM_END};
    clear();
    EXPECT_OK(cuLaunchKernelEx(&config, kernel, NULL, extra));
    EXPECT_OK(cuCtxSynchronize());
    EXPECT(results_correct());

    /* One block more than can be resident: the launch is queued, the error comes with the next
     * synchronizing call, and only once: the context works on. */
    EXPECT_OK(cuLaunchCooperativeKernel(kernel, blocks + 1, 1, 1, THREADS, 1, 1, 0, NULL, args));
    EXPECT(cuCtxSynchronize() == CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE);
    EXPECT_OK(cuCtxSynchronize());
    clear();
    EXPECT_OK(cuLaunchCooperativeKernel(kernel, blocks, 1, 1, THREADS, 1, 1, 0, NULL, args));
    EXPECT_OK(cuCtxSynchronize());
    EXPECT(results_correct());

    /* Geometry is checked before anything is queued, as for a plain launch. */
    EXPECT(cuLaunchCooperativeKernel(kernel, 0, 1, 1, THREADS, 1, 1, 0, NULL, args) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuLaunchCooperativeKernel(kernel, 1, 1, 1, 2048, 1, 1, 0, NULL, args) == CUDA_ERROR_INVALID_VALUE);

    /* Last, since the fault is sticky: a plain launch of the kernel is not cooperative, so its grid.sync() fails. */
    EXPECT_OK(cuLaunchKernel(kernel, 1, 1, 1, THREADS, 1, 1, 0, NULL, args, NULL));
    EXPECT(cuCtxSynchronize() == 719 /* CUDA_ERROR_LAUNCH_FAILED */);

    if (failures != 0) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("PASS %d checks\n", checks);
    return 0;
}
