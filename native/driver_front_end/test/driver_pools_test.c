/*
 * Memory pools through Orion's libcuda.so.1, against the real client and a server with the emulated device
 * (tests/Orion.CudartStub.Tests, which knows the kernel orion_test_vector_add(a, b, c, n)). It follows
 * tests/cuda/library-programs/17_memory_pools.cu at the driver level (default pool with a release
 * threshold, stream-ordered allocations, a created pool used three times, trimmed and destroyed) and checks
 * what the front end adds: device addresses reserved in this process, the device's current pool, CUDA 13's
 * location forms, what is refused, and that a device reset forgets the device's pools.
 * The declarations are ours (include/cuda_driver_abi.h); no NVIDIA header is used.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#include "cuda_driver_abi.h"

CUresult cuInit(unsigned int);
CUresult cuDeviceGet(CUdevice *, int);
CUresult cuDeviceGetAttribute(int *, int, CUdevice);
CUresult cuDevicePrimaryCtxRetain(CUcontext *, CUdevice);
CUresult cuDevicePrimaryCtxReset_v2(CUdevice);
CUresult cuCtxSetCurrent(CUcontext);
CUresult cuCtxSynchronize(void);
CUresult cuStreamCreate(CUstream *, unsigned int);
CUresult cuStreamSynchronize(CUstream);
CUresult cuStreamDestroy_v2(CUstream);
CUresult cuModuleLoadData(CUmodule *, const void *);
CUresult cuModuleGetFunction(CUfunction *, CUmodule, const char *);
CUresult cuLaunchKernel(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                        void **, void **);
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr, const void *, size_t, CUstream);
CUresult cuMemcpyDtoHAsync_v2(void *, CUdeviceptr, size_t, CUstream);
CUresult cuMemAllocAsync(CUdeviceptr *, size_t, CUstream);
CUresult cuMemFreeAsync(CUdeviceptr, CUstream);
CUresult cuMemGetAddressRange_v2(CUdeviceptr *, size_t *, CUdeviceptr);
CUresult cuDeviceGetDefaultMemPool(CUmemoryPool *, CUdevice);
CUresult cuDeviceGetMemPool(CUmemoryPool *, CUdevice);
CUresult cuDeviceSetMemPool(CUdevice, CUmemoryPool);
CUresult cuMemGetDefaultMemPool(CUmemoryPool *, CUmemLocation *, int);
CUresult cuMemGetMemPool(CUmemoryPool *, CUmemLocation *, int);
CUresult cuMemPoolCreate(CUmemoryPool *, const CUmemPoolProps *);
CUresult cuMemPoolDestroy(CUmemoryPool);
CUresult cuMemPoolSetAttribute(CUmemoryPool, int, void *);
CUresult cuMemPoolGetAttribute(CUmemoryPool, int, void *);
CUresult cuMemPoolTrimTo(CUmemoryPool, size_t);
CUresult cuMemAllocFromPoolAsync(CUdeviceptr *, size_t, CUmemoryPool, CUstream);

#include "driver_test_check.h"

enum { N = 4096 };

static uint64_t attribute(CUmemoryPool pool, int which)
{
    uint64_t value = 12345;
    EXPECT_OK(cuMemPoolGetAttribute(pool, which, &value));
    return value;
}

/* True when the device range is reserved in this process (no host mapping can be placed there). */
static int reserved(CUdeviceptr pointer)
{
    void *probe = mmap((void *)(uintptr_t)pointer, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (probe != MAP_FAILED) {
        munmap(probe, 4096);
        return 0;
    }
    return errno == EEXIST;
}

/* c = a + b on the stream, with a and b filled from the host. */
static void add(CUfunction kernel, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c, CUstream stream, float base)
{
    static float host_a[N], host_b[N];
    for (int i = 0; i < N; i++)
        host_a[i] = base + (float)i, host_b[i] = 2.0f * (float)i;
    EXPECT_OK(cuMemcpyHtoDAsync_v2(a, host_a, sizeof host_a, stream));
    EXPECT_OK(cuMemcpyHtoDAsync_v2(b, host_b, sizeof host_b, stream));
    int n = N;
    void *args[] = {&a, &b, &c, &n};
    EXPECT_OK(cuLaunchKernel(kernel, N / 256, 1, 1, 256, 1, 1, 0, stream, args, NULL));
}

static int sums_correct(CUdeviceptr c, CUstream stream, float base)
{
    static float back[N];
    EXPECT_OK(cuMemcpyDtoHAsync_v2(back, c, sizeof back, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    for (int i = 0; i < N; i++)
        if (back[i] != base + 3.0f * (float)i)
            return 0;
    return 1;
}

int main(void)
{
    CUdevice device = -1;
    CUcontext context = NULL;
    int supported = 0;
    EXPECT_OK(cuInit(0));
    EXPECT_OK(cuDeviceGet(&device, 0));
    EXPECT_OK(cuDeviceGetAttribute(&supported, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, device));
    EXPECT(supported == 1);
    EXPECT_OK(cuDevicePrimaryCtxRetain(&context, device));
    EXPECT_OK(cuCtxSetCurrent(context));
    CUmodule module = NULL;
    CUfunction kernel = NULL;
    EXPECT_OK(cuModuleLoadData(&module, fatbin));
    EXPECT_OK(cuModuleGetFunction(&kernel, module, "orion_test_vector_add"));
    CUstream stream = NULL;
    EXPECT_OK(cuStreamCreate(&stream, 0));

    /* The default pool: one handle, the current pool until another is set, its threshold kept. */
    CUmemoryPool default_pool = NULL, pool = NULL;
    EXPECT_OK(cuDeviceGetDefaultMemPool(&default_pool, device));
    EXPECT(default_pool != NULL);
    EXPECT_OK(cuDeviceGetDefaultMemPool(&pool, device));
    EXPECT(pool == default_pool);
    EXPECT_OK(cuDeviceGetMemPool(&pool, device));
    EXPECT(pool == default_pool);
    CUmemLocation location = {CU_MEM_LOCATION_TYPE_DEVICE, device};
    EXPECT_OK(cuMemGetDefaultMemPool(&pool, &location, CU_MEM_ALLOCATION_TYPE_PINNED));
    EXPECT(pool == default_pool);
    EXPECT_OK(cuMemGetMemPool(&pool, &location, CU_MEM_ALLOCATION_TYPE_PINNED));
    EXPECT(pool == default_pool);
    uint64_t threshold = 64ull << 20;
    EXPECT_OK(cuMemPoolSetAttribute(default_pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &threshold));
    EXPECT(attribute(default_pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD) == threshold);
    int reuse = 7;
    EXPECT_OK(cuMemPoolGetAttribute(default_pool, CU_MEMPOOL_ATTR_REUSE_ALLOW_OPPORTUNISTIC, &reuse));
    EXPECT(reuse == 1);

    /* Stream-ordered allocations from it, reserved here as every device address is. */
    CUdeviceptr a = 0, b = 0, c = 0;
    EXPECT_OK(cuMemAllocAsync(&a, N * sizeof(float), stream));
    EXPECT_OK(cuMemAllocAsync(&b, N * sizeof(float), stream));
    EXPECT_OK(cuMemAllocAsync(&c, N * sizeof(float), stream));
    EXPECT(reserved(a) && reserved(b) && reserved(c));
    EXPECT(attribute(default_pool, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) >= 3 * N * sizeof(float));
    add(kernel, a, b, c, stream, 1000.0f);
    EXPECT(sums_correct(c, stream, 1000.0f));
    EXPECT_OK(cuMemFreeAsync(a, stream));
    EXPECT_OK(cuMemFreeAsync(b, stream));
    EXPECT_OK(cuMemFreeAsync(c, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    EXPECT(attribute(default_pool, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) == 0);
    /* Under the threshold, freed memory stays with the pool; trimming gives it back. */
    EXPECT(attribute(default_pool, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) >= 3 * N * sizeof(float));
    EXPECT_OK(cuMemPoolTrimTo(default_pool, 0));
    EXPECT(attribute(default_pool, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) == 0);
    EXPECT(!reserved(a));

    /* A pool of its own, used three times with threshold 0, trimmed and destroyed. */
    CUmemPoolProps props;
    memset(&props, 0, sizeof props);
    props.allocType = CU_MEM_ALLOCATION_TYPE_PINNED;
    props.handleTypes = CU_MEM_HANDLE_TYPE_NONE;
    props.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    props.location.id = device;
    CUmemoryPool custom = NULL;
    EXPECT_OK(cuMemPoolCreate(&custom, &props));
    EXPECT(custom != NULL && custom != default_pool);
    uint64_t zero = 0;
    EXPECT_OK(cuMemPoolSetAttribute(custom, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &zero));
    for (int round = 0; round < 3; round++) {
        CUdeviceptr x = 0, y = 0, z = 0;
        EXPECT_OK(cuMemAllocFromPoolAsync(&x, N * sizeof(float), custom, stream));
        EXPECT_OK(cuMemAllocFromPoolAsync(&y, N * sizeof(float), custom, stream));
        EXPECT_OK(cuMemAllocFromPoolAsync(&z, N * sizeof(float), custom, stream));
        EXPECT(reserved(x) && reserved(z));
        CUdeviceptr base = 0;
        size_t size = 0;
        EXPECT_OK(cuMemGetAddressRange_v2(&base, &size, z + 100));
        EXPECT(base == z && size == N * sizeof(float));
        add(kernel, x, y, z, stream, (float)(round * 7));
        EXPECT(sums_correct(z, stream, (float)(round * 7)));
        EXPECT_OK(cuMemFreeAsync(x, stream));
        EXPECT_OK(cuMemFreeAsync(y, stream));
        EXPECT_OK(cuMemFreeAsync(z, stream));
        EXPECT_OK(cuStreamSynchronize(stream));
    }
    EXPECT(attribute(custom, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) == 0);
    EXPECT(attribute(custom, CU_MEMPOOL_ATTR_USED_MEM_HIGH) >= 3 * N * sizeof(float));
    EXPECT_OK(cuMemPoolTrimTo(custom, 0));
    EXPECT(attribute(custom, CU_MEMPOOL_ATTR_RESERVED_MEM_CURRENT) == 0);

    /* The device's current pool: cuMemAllocAsync takes from it until it is destroyed. */
    EXPECT_OK(cuDeviceSetMemPool(device, custom));
    EXPECT_OK(cuDeviceGetMemPool(&pool, device));
    EXPECT(pool == custom);
    EXPECT_OK(cuMemAllocAsync(&a, 8192, stream));
    EXPECT(attribute(custom, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) == 8192);
    EXPECT(attribute(default_pool, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) == 0);
    EXPECT_OK(cuMemFreeAsync(a, stream));
    EXPECT_OK(cuMemPoolDestroy(custom));
    EXPECT(cuMemPoolDestroy(custom) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT(cuMemPoolGetAttribute(custom, CU_MEMPOOL_ATTR_USED_MEM_CURRENT, &zero) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT_OK(cuDeviceGetMemPool(&pool, device));
    EXPECT(pool == default_pool);
    EXPECT_OK(cuMemAllocAsync(&a, 8192, stream));
    EXPECT(attribute(default_pool, CU_MEMPOOL_ATTR_USED_MEM_CURRENT) == 8192);
    EXPECT_OK(cuMemFreeAsync(a, stream));
    EXPECT_OK(cuStreamSynchronize(stream));

    /* What is refused: the default pool's destruction, read-only attributes, unknown ones, host pools,
     * export handles, managed memory. */
    EXPECT(cuMemPoolDestroy(default_pool) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemPoolSetAttribute(default_pool, CU_MEMPOOL_ATTR_USED_MEM_CURRENT, &zero) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemPoolGetAttribute(default_pool, 99, &zero) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemPoolGetAttribute(default_pool, CU_MEMPOOL_ATTR_USED_MEM_CURRENT, NULL) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemPoolCreate(&pool, NULL) == CUDA_ERROR_INVALID_VALUE);
    props.location.type = 2; /* CU_MEM_LOCATION_TYPE_HOST */
    EXPECT(cuMemPoolCreate(&pool, &props) == CUDA_ERROR_NOT_SUPPORTED);
    props.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    props.handleTypes = 1; /* CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR */
    EXPECT(cuMemPoolCreate(&pool, &props) == CUDA_ERROR_NOT_SUPPORTED);
    props.handleTypes = CU_MEM_HANDLE_TYPE_NONE;
    props.location.id = 5;
    EXPECT(cuMemPoolCreate(&pool, &props) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemGetDefaultMemPool(&pool, &location, 2 /* managed */) == CUDA_ERROR_NOT_SUPPORTED);
    EXPECT(cuDeviceSetMemPool(device, (CUmemoryPool)&zero) == CUDA_ERROR_INVALID_HANDLE);

    /* A device reset destroys the session's pools there: the old handles die, a new default pool comes. */
    EXPECT_OK(cuStreamDestroy_v2(stream));
    EXPECT_OK(cuDevicePrimaryCtxReset_v2(device));
    EXPECT(cuMemPoolGetAttribute(default_pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &zero) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT_OK(cuDevicePrimaryCtxRetain(&context, device));
    EXPECT_OK(cuCtxSetCurrent(context));
    CUmemoryPool fresh = NULL;
    EXPECT_OK(cuDeviceGetDefaultMemPool(&fresh, device));
    EXPECT(fresh != NULL && fresh != default_pool);
    EXPECT(attribute(fresh, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD) == 0);
    EXPECT_OK(cuMemAllocAsync(&a, 256, NULL));
    EXPECT_OK(cuMemFreeAsync(a, NULL));
    EXPECT_OK(cuCtxSynchronize());

    if (failures != 0) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("PASS %d checks\n", checks);
    return 0;
}
