/*
 * Page-locked host memory and pointer queries. The client's host memory is not reachable by
 * the server's GPU, so "pinned" host memory is ordinary page-aligned memory that the front end
 * records (copies from it are as fast as from any host memory). Mapped host memory is a mirror on
 * the device (driver_mapped_memory.c); registered memory is never mapped into the device.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver_handles.h"

#define REGISTERED_FLAG 0x80000000u /* marks cuMemHostRegister ranges, which cuMemFreeHost refuses */
#define ACCESS_READ_WRITE 3         /* CU_POINTER_ATTRIBUTE_ACCESS_FLAG_READWRITE */

static CUresult allocate_host(void **pointer, size_t size, unsigned int flags)
{
    int device;
    if (pointer == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    *pointer = NULL;
    if ((flags & ~(unsigned int)(CU_MEMHOSTALLOC_PORTABLE | CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_WRITECOMBINED)) != 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    if (size == 0)
        return CUDA_ERROR_INVALID_VALUE;
    if (flags & CU_MEMHOSTALLOC_DEVICEMAP)
        return driver_mapped_alloc(pointer, size, device, flags);
    long page = sysconf(_SC_PAGESIZE);
    void *memory = NULL;
    if (posix_memalign(&memory, page > 0 ? (size_t)page : 4096, size) != 0)
        return CUDA_ERROR_OUT_OF_MEMORY;
    result = driver_ranges_add(driver_address(memory), size, CU_MEMORYTYPE_HOST, device, flags);
    if (result != CUDA_SUCCESS) {
        free(memory);
        return result;
    }
    *pointer = memory;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuMemAllocHost_v2(void **pointer, size_t size) { return allocate_host(pointer, size, 0); }
DRIVER_API CUresult cuMemHostAlloc(void **pointer, size_t size, unsigned int flags)
{
    return allocate_host(pointer, size, flags);
}

DRIVER_API CUresult cuMemFreeHost(void *pointer)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    driver_range range;
    if (!driver_ranges_find(driver_address(pointer), &range) || range.base != driver_address(pointer) ||
        range.memory_type != CU_MEMORYTYPE_HOST || (range.flags & REGISTERED_FLAG) != 0)
        return CUDA_ERROR_INVALID_VALUE;
    /* Only the thread that takes the range out frees the memory (two concurrent frees: one wins). */
    if (!driver_ranges_remove(range.base, CU_MEMORYTYPE_HOST, NULL))
        return CUDA_ERROR_INVALID_VALUE;
    if (driver_mapped_is_mirror(&range))
        return driver_mapped_free(range.base);
    free(pointer);
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuMemHostGetFlags(unsigned int *flags, void *pointer)
{
    if (flags == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    driver_range range;
    if (!driver_ranges_find(driver_address(pointer), &range) || range.memory_type != CU_MEMORYTYPE_HOST)
        return CUDA_ERROR_INVALID_VALUE;
    *flags = range.flags & ~(REGISTERED_FLAG | DRIVER_RANGE_FLAG_MIRROR);
    return CUDA_SUCCESS;
}

static CUresult register_host(void *pointer, size_t size, unsigned int flags)
{
    int device;
    if (pointer == NULL || size == 0 ||
        (flags & ~(unsigned int)(CU_MEMHOSTREGISTER_PORTABLE | CU_MEMHOSTREGISTER_DEVICEMAP |
                                 CU_MEMHOSTREGISTER_IOMEMORY | CU_MEMHOSTREGISTER_READ_ONLY)) != 0)
        return CUDA_ERROR_INVALID_VALUE;
    if (flags & (CU_MEMHOSTREGISTER_DEVICEMAP | CU_MEMHOSTREGISTER_IOMEMORY))
        DRIVER_NOT_SUPPORTED("cuMemHostRegister with CU_MEMHOSTREGISTER_DEVICEMAP or IOMEMORY");
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    driver_range range;
    if (driver_ranges_find(driver_address(pointer), &range) && range.memory_type == CU_MEMORYTYPE_HOST)
        return 712; /* CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED */
    return driver_ranges_add(driver_address(pointer), size, CU_MEMORYTYPE_HOST, device, flags | REGISTERED_FLAG);
}

DRIVER_API CUresult cuMemHostRegister_v2(void *pointer, size_t size, unsigned int flags)
{
    return register_host(pointer, size, flags);
}
DRIVER_API CUresult cuMemHostRegister(void *pointer, size_t size, unsigned int flags)
{
    return register_host(pointer, size, flags);
}

DRIVER_API CUresult cuMemHostUnregister(void *pointer)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    driver_range range;
    if (!driver_ranges_find(driver_address(pointer), &range) || range.base != driver_address(pointer) ||
        (range.flags & REGISTERED_FLAG) == 0)
        return 713; /* CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED */
    driver_ranges_remove(range.base, CU_MEMORYTYPE_HOST, NULL);
    return CUDA_SUCCESS;
}

/* One attribute of a known range; CUDA_ERROR_INVALID_VALUE when it has no such attribute. */
static CUresult range_attribute(const driver_range *range, int attribute, void *data, uint64_t pointer)
{
    int device_memory = range->memory_type == CU_MEMORYTYPE_DEVICE;
    int mapped = device_memory || driver_mapped_is_mirror(range);
    switch (attribute) {
    case CU_POINTER_ATTRIBUTE_CONTEXT:
        *(CUcontext *)data = driver_primary_context(range->device);
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
        *(unsigned int *)data = (unsigned int)range->memory_type;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
        if (!mapped)
            return CUDA_ERROR_INVALID_VALUE; /* only mapped host memory has a device address */
        *(CUdeviceptr *)data = pointer;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_HOST_POINTER:
        if (device_memory)
            return CUDA_ERROR_INVALID_VALUE;
        *(void **)data = (void *)(uintptr_t)pointer;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_SYNC_MEMOPS:
    case CU_POINTER_ATTRIBUTE_IS_MANAGED:
    case CU_POINTER_ATTRIBUTE_IS_LEGACY_CUDA_IPC_CAPABLE:
    case CU_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE:
    case CU_POINTER_ATTRIBUTE_IS_HW_DECOMPRESS_CAPABLE:
        *(unsigned int *)data = 0; /* the driver writes these flags as 4-byte values */
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_MAPPED:
        *(unsigned int *)data = (unsigned int)mapped;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_BUFFER_ID:
    case CU_POINTER_ATTRIBUTE_MEMORY_BLOCK_ID:
        *(unsigned long long *)data = range->buffer_id;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
        *(int *)data = range->device;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
    case CU_POINTER_ATTRIBUTE_MAPPING_BASE_ADDR:
        *(uint64_t *)data = range->base;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
    case CU_POINTER_ATTRIBUTE_MAPPING_SIZE:
        *(size_t *)data = range->size;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES:
        *(unsigned long long *)data = 0;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_ACCESS_FLAGS:
        *(unsigned int *)data = ACCESS_READ_WRITE;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE:
        *(void **)data = NULL;
        return CUDA_SUCCESS;
    default:
        return CUDA_ERROR_INVALID_VALUE;
    }
}

DRIVER_API CUresult cuPointerGetAttribute(void *data, int attribute, CUdeviceptr pointer)
{
    if (data == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    driver_range range;
    /* Memory the front end did not hand out is pageable host memory: not a CUDA pointer. */
    if (!driver_ranges_find(pointer, &range))
        return CUDA_ERROR_INVALID_VALUE;
    return range_attribute(&range, attribute, data, pointer);
}

/* Unlike cuPointerGetAttribute, an unknown pointer is not an error: its attributes read as
 * zero (memory type 0, no context), and an attribute a known pointer lacks reads as zero too. */
DRIVER_API CUresult cuPointerGetAttributes(unsigned int count, int *attributes, void **data, CUdeviceptr pointer)
{
    if (count == 0 || attributes == NULL || data == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    driver_range range;
    int known = driver_ranges_find(pointer, &range);
    for (unsigned int i = 0; i < count; i++) {
        if (data[i] == NULL)
            continue;
        if (known && range_attribute(&range, attributes[i], data[i], pointer) == CUDA_SUCCESS)
            continue;
        driver_range empty = {0};
        /* The zero of each attribute's own type. */
        if (range_attribute(&empty, attributes[i], data[i], 0) != CUDA_SUCCESS &&
            attributes[i] != CU_POINTER_ATTRIBUTE_DEVICE_POINTER && attributes[i] != CU_POINTER_ATTRIBUTE_HOST_POINTER)
            return CUDA_ERROR_INVALID_VALUE;
        switch (attributes[i]) {
        case CU_POINTER_ATTRIBUTE_CONTEXT:
            *(CUcontext *)data[i] = NULL;
            break;
        case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
            *(int *)data[i] = -2; /* what NVIDIA's driver reports for a non-CUDA pointer */
            break;
        case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
        case CU_POINTER_ATTRIBUTE_HOST_POINTER:
            *(void **)data[i] = NULL;
            break;
        case CU_POINTER_ATTRIBUTE_ACCESS_FLAGS:
            *(unsigned int *)data[i] = 0;
            break;
        case CU_POINTER_ATTRIBUTE_BUFFER_ID:
        case CU_POINTER_ATTRIBUTE_MEMORY_BLOCK_ID:
            *(unsigned long long *)data[i] = 0;
            break;
        default:
            break;
        }
    }
    return CUDA_SUCCESS;
}
