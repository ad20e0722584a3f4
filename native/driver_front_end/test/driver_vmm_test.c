/*
 * Virtual memory management through Orion's libcuda.so.1, against the real client and a server with the emulated
 * device (tests/Orion.CudartStub.Tests, which knows the kernel orion_test_vector_add(a, b, c, n)). It does what
 * PyTorch's expandable segments do (PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True): reserve a large range once,
 * map granule-sized allocations at its start one growth after another (asking for a POSIX file descriptor handle,
 * as PyTorch does), give the device access to each new part, use memory across the granules (copies, memsets,
 * kernels), shrink by unmapping and releasing the last granules, grow again, and free it all. It also checks what
 * the front end adds: the range reserved in this process, mapped addresses known to pointer queries, reserved but
 * unmapped addresses refused (never touched as host memory), retained handles, what is refused, and a device reset.
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
CUresult cuModuleLoadData(CUmodule *, const void *);
CUresult cuModuleGetFunction(CUfunction *, CUmodule, const char *);
CUresult cuLaunchKernel(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                        void **, void **);
CUresult cuMemcpyHtoD_v2(CUdeviceptr, const void *, size_t);
CUresult cuMemcpyDtoH_v2(void *, CUdeviceptr, size_t);
CUresult cuMemcpy(CUdeviceptr, CUdeviceptr, size_t);
CUresult cuMemsetD32_v2(CUdeviceptr, unsigned int, size_t);
CUresult cuMemAlloc_v2(CUdeviceptr *, size_t);
CUresult cuMemFree_v2(CUdeviceptr);
CUresult cuMemGetAddressRange_v2(CUdeviceptr *, size_t *, CUdeviceptr);
CUresult cuPointerGetAttribute(void *, int, CUdeviceptr);
CUresult cuMemGetAllocationGranularity(size_t *, const CUmemAllocationProp *, int);
CUresult cuMemAddressReserve(CUdeviceptr *, size_t, size_t, CUdeviceptr, unsigned long long);
CUresult cuMemAddressFree(CUdeviceptr, size_t);
CUresult cuMemCreate(CUmemGenericAllocationHandle *, size_t, const CUmemAllocationProp *, unsigned long long);
CUresult cuMemRelease(CUmemGenericAllocationHandle);
CUresult cuMemMap(CUdeviceptr, size_t, size_t, CUmemGenericAllocationHandle, unsigned long long);
CUresult cuMemUnmap(CUdeviceptr, size_t);
CUresult cuMemSetAccess(CUdeviceptr, size_t, const CUmemAccessDesc *, size_t);
CUresult cuMemGetAccess(unsigned long long *, const CUmemLocation *, CUdeviceptr);
CUresult cuMemRetainAllocationHandle(CUmemGenericAllocationHandle *, void *);
CUresult cuMemGetAllocationPropertiesFromHandle(CUmemAllocationProp *, CUmemGenericAllocationHandle);

#include "driver_test_check.h"

enum {
    CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED = 102,
    CU_DEVICE_ATTRIBUTE_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR_SUPPORTED = 103,
    CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_WITH_CUDA_VMM_SUPPORTED = 110,
    CHUNKS = 8, /* the most granules mapped at once */
};

static const size_t reservation_size = 8ull << 30; /* 8 GiB, as an expandable segment of a small GPU */

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

static CUmemGenericAllocationHandle handles[CHUNKS];
static int mapped; /* granules mapped from the segment's start */

/* Grows the segment by count granules: one allocation each, mapped, then access for the new part at once. */
static void grow(CUdeviceptr segment, size_t granule, const CUmemAllocationProp *prop, CUdevice device, int count)
{
    for (int i = mapped; i < mapped + count; i++) {
        EXPECT_OK(cuMemCreate(&handles[i], granule, prop, 0));
        EXPECT_OK(cuMemMap(segment + (size_t)i * granule, granule, 0, handles[i], 0));
    }
    CUmemAccessDesc access = {{CU_MEM_LOCATION_TYPE_DEVICE, device}, CU_MEM_ACCESS_FLAGS_PROT_READWRITE};
    EXPECT_OK(cuMemSetAccess(segment + (size_t)mapped * granule, (size_t)count * granule, &access, 1));
    mapped += count;
}

/* Unmaps and releases the last count granules, as PyTorch does after synchronizing. */
static void shrink(CUdeviceptr segment, size_t granule, int count)
{
    EXPECT_OK(cuCtxSynchronize());
    for (int i = mapped - 1; i >= mapped - count; i--) {
        EXPECT_OK(cuMemUnmap(segment + (size_t)i * granule, granule));
        EXPECT_OK(cuMemRelease(handles[i]));
    }
    mapped -= count;
}

/* c = a + b by the kernel over n floats, a starting n/2 floats before boundary (an offset into the segment, on a
 * granule boundary: the arrays straddle mappings); true when every sum is right. */
static int add_across(CUfunction kernel, CUdeviceptr segment, size_t boundary, int n, float base)
{
    static float host[3 * 65536];
    if (n > 65536)
        return 0;
    CUdeviceptr a = segment + boundary - (size_t)n * sizeof(float) / 2;
    CUdeviceptr b = a + (size_t)n * sizeof(float), c = b + (size_t)n * sizeof(float);
    for (int i = 0; i < n; i++)
        host[i] = base + (float)i, host[n + i] = 2.0f * (float)i;
    EXPECT_OK(cuMemcpyHtoD_v2(a, host, 2 * (size_t)n * sizeof(float)));
    void *args[] = {&a, &b, &c, &n};
    EXPECT_OK(cuLaunchKernel(kernel, (unsigned)(n + 255) / 256, 1, 1, 256, 1, 1, 0, NULL, args, NULL));
    memset(host, 0, sizeof host);
    EXPECT_OK(cuMemcpyDtoH_v2(host, c, (size_t)n * sizeof(float)));
    for (int i = 0; i < n; i++)
        if (host[i] != base + 3.0f * (float)i)
            return 0;
    return 1;
}

int main(void)
{
    CUdevice device = -1;
    CUcontext context = NULL;
    int value = -1;
    EXPECT_OK(cuInit(0));
    EXPECT_OK(cuDeviceGet(&device, 0));
    EXPECT_OK(cuDeviceGetAttribute(&value, CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED, device));
    EXPECT(value == 1);
    EXPECT_OK(cuDeviceGetAttribute(&value, CU_DEVICE_ATTRIBUTE_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR_SUPPORTED, device));
    EXPECT(value == 0);
    EXPECT_OK(cuDeviceGetAttribute(&value, CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_WITH_CUDA_VMM_SUPPORTED, device));
    EXPECT(value == 0);
    EXPECT_OK(cuDevicePrimaryCtxRetain(&context, device));
    EXPECT_OK(cuCtxSetCurrent(context));
    CUmodule module = NULL;
    CUfunction kernel = NULL;
    EXPECT_OK(cuModuleLoadData(&module, fatbin));
    EXPECT_OK(cuModuleGetFunction(&kernel, module, "orion_test_vector_add"));

    /* PyTorch's properties: pinned device memory, a POSIX file descriptor handle asked for (served without one). */
    CUmemAllocationProp prop;
    memset(&prop, 0, sizeof prop);
    prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
    prop.requestedHandleTypes = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
    prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    prop.location.id = device;
    size_t granule = 0, recommended = 0;
    EXPECT_OK(cuMemGetAllocationGranularity(&granule, &prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM));
    EXPECT_OK(cuMemGetAllocationGranularity(&recommended, &prop, CU_MEM_ALLOC_GRANULARITY_RECOMMENDED));
    EXPECT(granule != 0 && granule <= (2u << 20) && recommended % granule == 0);
    if (granule == 0)
        granule = 2u << 20;

    /* One large reservation, reserved in this process too, and no device memory until mapped. */
    CUdeviceptr segment = 0;
    EXPECT_OK(cuMemAddressReserve(&segment, reservation_size, 0, 0, 0));
    EXPECT(segment != 0 && segment % granule == 0);
    EXPECT(reserved(segment) && reserved(segment + reservation_size - 4096));
    static unsigned char bytes[4096];
    EXPECT(cuMemcpyHtoD_v2(segment, bytes, sizeof bytes) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemcpy(segment, (CUdeviceptr)(uintptr_t)bytes, sizeof bytes) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemcpy((CUdeviceptr)(uintptr_t)bytes, segment + granule, sizeof bytes) == CUDA_ERROR_INVALID_VALUE);
    unsigned int type = 0;
    EXPECT(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, segment) == CUDA_ERROR_INVALID_VALUE);

    /* Grows one granule, then three at once, then four; memory across granules after each. */
    grow(segment, granule, &prop, device, 1);
    EXPECT(add_across(kernel, segment, granule / 2, 8192, 1.0f));
    grow(segment, granule, &prop, device, 3);
    EXPECT(add_across(kernel, segment, granule, 16384, 2.0f));
    EXPECT(add_across(kernel, segment, 3 * granule, 65536, 3.0f));
    grow(segment, granule, &prop, device, 4);
    EXPECT(mapped == CHUNKS);
    EXPECT(add_across(kernel, segment, 7 * granule, 4096, 4.0f));
    /* A memset and a unified copy over a boundary. */
    EXPECT_OK(cuMemsetD32_v2(segment + 5 * granule - 64, 0x01020304u, 32));
    unsigned int words[32];
    EXPECT_OK(cuMemcpy((CUdeviceptr)(uintptr_t)words, segment + 5 * granule - 64, sizeof words));
    int all = 1;
    for (int i = 0; i < 32; i++)
        all &= words[i] == 0x01020304u;
    EXPECT(all);

    /* Mapped addresses are device memory to pointer queries; each mapping is its own range. */
    EXPECT_OK(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, segment + granule + 10));
    EXPECT(type == CU_MEMORYTYPE_DEVICE);
    int ordinal = -1;
    EXPECT_OK(cuPointerGetAttribute(&ordinal, CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, segment + 6 * granule));
    EXPECT(ordinal == device);
    CUdeviceptr base = 0;
    size_t size = 0;
    EXPECT_OK(cuMemGetAddressRange_v2(&base, &size, segment + 2 * granule + 10));
    EXPECT(base == segment + 2 * granule && size == granule);
    CUmemLocation location = {CU_MEM_LOCATION_TYPE_DEVICE, device};
    unsigned long long access = 0;
    EXPECT_OK(cuMemGetAccess(&access, &location, segment + 3 * granule));
    EXPECT(access == CU_MEM_ACCESS_FLAGS_PROT_READWRITE);

    /* A handle retained from any address of its mapping is the handle mapped there; its properties. */
    CUmemGenericAllocationHandle retained = 0;
    EXPECT_OK(cuMemRetainAllocationHandle(&retained, (void *)(uintptr_t)(segment + 3 * granule + 5)));
    EXPECT(retained == handles[3]);
    EXPECT_OK(cuMemRelease(retained));
    CUmemAllocationProp back;
    memset(&back, 0xff, sizeof back);
    EXPECT_OK(cuMemGetAllocationPropertiesFromHandle(&back, handles[0]));
    EXPECT(back.type == CU_MEM_ALLOCATION_TYPE_PINNED && back.location.type == CU_MEM_LOCATION_TYPE_DEVICE &&
           back.location.id == device && back.requestedHandleTypes == CU_MEM_HANDLE_TYPE_NONE);

    /* Shrinks by four granules: the rest keeps its data, the unmapped part is refused again. */
    static float before[2048], after[2048];
    EXPECT_OK(cuMemcpyDtoH_v2(before, segment + 3 * granule - sizeof before / 2, sizeof before));
    shrink(segment, granule, 4);
    EXPECT(mapped == 4);
    EXPECT_OK(cuMemcpyDtoH_v2(after, segment + 3 * granule - sizeof after / 2, sizeof after));
    EXPECT(memcmp(before, after, sizeof before) == 0);
    EXPECT(cuMemcpyHtoD_v2(segment + 4 * granule, bytes, sizeof bytes) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemcpyHtoD_v2(segment + 4 * granule - 64, bytes, 128) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, segment + 4 * granule) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemRelease(handles[5]) == CUDA_ERROR_INVALID_VALUE); /* released with its granule */
    /* ... and grows again. */
    grow(segment, granule, &prop, device, 2);
    EXPECT(add_across(kernel, segment, 4 * granule, 65536, 5.0f));

    /* What is refused. */
    CUmemGenericAllocationHandle other = 0;
    EXPECT_OK(cuMemCreate(&other, granule, &prop, 0));
    EXPECT(cuMemMap(segment + reservation_size, granule, 0, other, 0) == CUDA_ERROR_INVALID_VALUE); /* past the end */
    EXPECT(cuMemMap(segment, granule, 0, other, 0) == CUDA_ERROR_INVALID_VALUE);                    /* mapped already */
    EXPECT(cuMemMap(segment + 7 * granule, granule, 0, other, 1) == CUDA_ERROR_INVALID_VALUE);      /* flags */
    EXPECT(cuMemMap(segment + 7 * granule, granule, granule, other, 0) == CUDA_ERROR_INVALID_VALUE); /* offset */
    EXPECT(cuMemUnmap(segment + granule / 2, granule) == CUDA_ERROR_INVALID_VALUE); /* part of a mapping */
    EXPECT(cuMemFree_v2(segment) == CUDA_ERROR_INVALID_VALUE);                      /* a mapping is no allocation */
    EXPECT_OK(cuMemcpyHtoD_v2(segment, bytes, sizeof bytes));                        /* and stays mapped */
    EXPECT(cuMemAddressFree(segment, reservation_size) == CUDA_ERROR_INVALID_VALUE); /* something is mapped */
    EXPECT(cuMemAddressFree(segment, granule) == CUDA_ERROR_INVALID_VALUE);         /* not the whole reservation */
    CUmemAccessDesc desc = {{CU_MEM_LOCATION_TYPE_DEVICE, 7}, CU_MEM_ACCESS_FLAGS_PROT_READWRITE};
    EXPECT(cuMemSetAccess(segment, granule, &desc, 1) == CUDA_ERROR_INVALID_DEVICE);
    desc.location.id = device;
    desc.flags = 2;
    EXPECT(cuMemSetAccess(segment, granule, &desc, 1) == CUDA_ERROR_INVALID_VALUE);
    desc.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    desc.location.type = 2; /* CU_MEM_LOCATION_TYPE_HOST */
    EXPECT(cuMemSetAccess(segment, granule, &desc, 1) == CUDA_ERROR_NOT_SUPPORTED);
    CUmemGenericAllocationHandle refused = 0;
    prop.requestedHandleTypes = CU_MEM_HANDLE_TYPE_FABRIC;
    EXPECT(cuMemCreate(&refused, granule, &prop, 0) == CUDA_ERROR_NOT_SUPPORTED);
    prop.requestedHandleTypes = CU_MEM_HANDLE_TYPE_NONE;
    prop.location.type = 2;
    EXPECT(cuMemCreate(&refused, granule, &prop, 0) == CUDA_ERROR_NOT_SUPPORTED);
    prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    prop.allocFlags.compressionType = CU_MEM_ALLOCATION_COMP_GENERIC;
    EXPECT(cuMemCreate(&refused, granule, &prop, 0) == CUDA_ERROR_NOT_SUPPORTED);
    prop.allocFlags.compressionType = CU_MEM_ALLOCATION_COMP_NONE;
    EXPECT(cuMemCreate(&refused, granule + 4096, &prop, 0) == CUDA_ERROR_INVALID_VALUE); /* off the granularity */
    prop.type = 0;
    EXPECT(cuMemCreate(&refused, granule, &prop, 0) == CUDA_ERROR_INVALID_VALUE);
    prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
    EXPECT(cuMemRelease(12345) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuMemRetainAllocationHandle(&retained, (void *)(uintptr_t)(segment + 7 * granule)) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuMemRelease(other));
    EXPECT(cuMemRelease(other) == CUDA_ERROR_INVALID_VALUE);

    /* Everything freed: the reservation's addresses go back in this process too. */
    shrink(segment, granule, mapped);
    EXPECT_OK(cuMemAddressFree(segment, reservation_size));
    EXPECT(!reserved(segment));
    EXPECT(cuMemAddressFree(segment, reservation_size) == CUDA_ERROR_INVALID_VALUE);

    /* A hint is only a hint; a device reset takes the session's reservations, allocations and mappings. */
    CUdeviceptr again = 0;
    EXPECT_OK(cuMemAddressReserve(&again, 4 * granule, 0, segment, 0));
    EXPECT(again != 0 && reserved(again));
    EXPECT_OK(cuMemCreate(&handles[0], granule, &prop, 0));
    EXPECT_OK(cuMemMap(again, granule, 0, handles[0], 0));
    EXPECT_OK(cuDevicePrimaryCtxReset_v2(device));
    EXPECT(cuMemRelease(handles[0]) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(!reserved(again));
    EXPECT_OK(cuDevicePrimaryCtxRetain(&context, device));
    EXPECT_OK(cuCtxSetCurrent(context));
    EXPECT_OK(cuMemAddressReserve(&again, 4 * granule, 0, 0, 0));
    EXPECT_OK(cuMemAddressFree(again, 4 * granule));

    if (failures != 0) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("PASS %d checks\n", checks);
    return 0;
}
