/* Device memory: allocation, copies in every direction (plain, 2D, stream-ordered), memset. */
#include <stdlib.h>
#include <string.h>

#include "driver_arrays.h"
#include "driver_handles.h"

#define COLLISION_RETRIES 8

/* Records a fresh device allocation, reserving its addresses here; a collision with the program's
 * own memory is reported so the caller can ask for other addresses. */
CUresult driver_record_device_range(int device, uint64_t address, uint64_t size, int *collides)
{
    enum driver_reservation reservation = driver_reserve_device_range(address, size);
    *collides = reservation == DRIVER_RANGE_COLLIDES;
    if (*collides)
        return CUDA_SUCCESS;
    unsigned int flags = reservation == DRIVER_RANGE_RESERVED ? DRIVER_RANGE_FLAG_RESERVED : 0;
    CUresult result = driver_ranges_add(address, size, CU_MEMORYTYPE_DEVICE, device, flags);
    if (result != CUDA_SUCCESS && reservation == DRIVER_RANGE_RESERVED)
        driver_release_device_range(address, size);
    return result;
}

/*
 * Frees a device allocation. Its range is claimed from the table first, so that a thread allocating
 * meanwhile (which may get the same address back from the server) never has its new range removed;
 * if the server refuses the free, the range goes back.
 */
static CUresult free_device_range(CUdeviceptr pointer, CUresult (*free_remote)(int device, uint64_t pointer, void *context),
                                  void *context)
{
    driver_range range;
    /* A mapping of the virtual memory API is unmapped (cuMemUnmap), never freed. */
    if (driver_ranges_find(pointer, &range) && (range.flags & DRIVER_RANGE_FLAG_MAPPED) != 0)
        return CUDA_ERROR_INVALID_VALUE;
    if (!driver_ranges_remove(pointer, CU_MEMORYTYPE_DEVICE, &range))
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = free_remote(range.device, pointer, context);
    if (result != CUDA_SUCCESS)
        driver_ranges_add(range.base, range.size, range.memory_type, range.device, range.flags);
    else if (range.flags & DRIVER_RANGE_FLAG_RESERVED)
        driver_release_device_range(range.base, range.size);
    return result;
}

static CUresult free_now(int device, uint64_t pointer, void *context)
{
    (void)context;
    return driver_result(driver_client.orion_free(device, pointer));
}

static CUresult free_on_stream(int device, uint64_t pointer, void *context)
{
    return driver_result(driver_client.orion_free_async(device, pointer, *(uint64_t *)context));
}

static CUresult allocate(CUdeviceptr *pointer, size_t size)
{
    int device;
    if (pointer == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    if (size == 0)
        return CUDA_ERROR_INVALID_VALUE;
    /* Addresses that collide with the program's memory are held (so the server cannot hand them
     * out again at once) until an allocation that does not collide is found, then freed. */
    uint64_t colliding[COLLISION_RETRIES];
    int held = 0, collides = 1;
    uint64_t address = 0;
    while (result == CUDA_SUCCESS && collides && held < COLLISION_RETRIES) {
        address = 0;
        result = driver_result(driver_client.orion_malloc(device, size, &address));
        if (result == CUDA_SUCCESS)
            result = driver_record_device_range(device, address, size, &collides);
        if (result == CUDA_SUCCESS && collides)
            colliding[held++] = address;
        else if (result != CUDA_SUCCESS && address != 0)
            driver_client.orion_free(device, address);
    }
    for (int i = 0; i < held; i++)
        driver_client.orion_free(device, colliding[i]);
    if (result == CUDA_SUCCESS && collides) {
        driver_log(DRIVER_LOG_ERROR, "the server's device addresses keep colliding with this program's memory");
        result = CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (result == CUDA_SUCCESS)
        *pointer = address;
    return result;
}

DRIVER_API CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t size) { return allocate(pointer, size); }

DRIVER_API CUresult cuMemAllocPitch_v2(CUdeviceptr *pointer, size_t *pitch, size_t width, size_t height,
                                       unsigned int element_size)
{
    if (pointer == NULL || pitch == NULL || width == 0 || height == 0 ||
        (element_size != 4 && element_size != 8 && element_size != 16))
        return CUDA_ERROR_INVALID_VALUE;
    /* The row alignment NVIDIA's driver gives on current GPUs (512 bytes). */
    const size_t alignment = 512;
    if (width > SIZE_MAX - alignment)
        return CUDA_ERROR_INVALID_VALUE;
    size_t row = (width + alignment - 1) / alignment * alignment;
    if (row > SIZE_MAX / height)
        return CUDA_ERROR_OUT_OF_MEMORY;
    CUresult result = allocate(pointer, row * height);
    if (result == CUDA_SUCCESS)
        *pitch = row;
    return result;
}

DRIVER_API CUresult cuMemFree_v2(CUdeviceptr pointer)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS || pointer == 0)
        return result;
    return free_device_range(pointer, free_now, NULL);
}

/* The stream-ordered allocator on the device's default pool. */
static CUresult allocate_async(CUdeviceptr *pointer, size_t size, CUstream stream, int per_thread)
{
    int device;
    uint64_t handle;
    if (pointer == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    if (size == 0)
        return CUDA_ERROR_INVALID_VALUE;
    uint64_t address = 0;
    result = driver_result(driver_client.orion_malloc_async(device, size, handle, &address));
    return driver_take_stream_ordered(device, handle, result, address, size, pointer);
}

CUresult driver_take_stream_ordered(int device, uint64_t stream, CUresult allocated, uint64_t address, size_t size,
                                    CUdeviceptr *pointer)
{
    int collides = 0;
    CUresult result = allocated;
    if (result == CUDA_SUCCESS)
        result = driver_record_device_range(device, address, size, &collides);
    if (result == CUDA_SUCCESS && collides) {
        /* Rare enough to answer plainly rather than hold stream-ordered memory while retrying. */
        driver_log(DRIVER_LOG_ERROR, "a stream-ordered allocation's device addresses collide with this program's memory");
        result = CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (result != CUDA_SUCCESS && address != 0)
        driver_client.orion_free_async(device, address, stream);
    if (result == CUDA_SUCCESS)
        *pointer = address;
    return result;
}

static CUresult free_async(CUdeviceptr pointer, CUstream stream, int per_thread)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    (void)device;
    return free_device_range(pointer, free_on_stream, &handle);
}

DRIVER_API CUresult cuMemAllocAsync(CUdeviceptr *pointer, size_t size, CUstream stream)
{
    return allocate_async(pointer, size, stream, 0);
}
DRIVER_API CUresult cuMemAllocAsync_ptsz(CUdeviceptr *pointer, size_t size, CUstream stream)
{
    return allocate_async(pointer, size, stream, 1);
}
DRIVER_API CUresult cuMemFreeAsync(CUdeviceptr pointer, CUstream stream) { return free_async(pointer, stream, 0); }
DRIVER_API CUresult cuMemFreeAsync_ptsz(CUdeviceptr pointer, CUstream stream) { return free_async(pointer, stream, 1); }

DRIVER_API CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total_bytes)
{
    int device;
    if (free_bytes == NULL || total_bytes == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    uint64_t free_remote = 0, total_remote = 0;
    if (result == CUDA_SUCCESS)
        result = driver_result(driver_client.orion_device_memory_info(device, &free_remote, &total_remote));
    if (result == CUDA_SUCCESS)
        *free_bytes = free_remote, *total_bytes = total_remote;
    return result;
}

DRIVER_API CUresult cuMemGetAddressRange_v2(CUdeviceptr *base, size_t *size, CUdeviceptr pointer)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    driver_range range;
    if (!driver_ranges_find(pointer, &range) || range.memory_type != CU_MEMORYTYPE_DEVICE)
        return CUDA_ERROR_NOT_FOUND;
    if (base != NULL)
        *base = range.base;
    if (size != NULL)
        *size = range.size;
    return CUDA_SUCCESS;
}

static int is_device(uint64_t address)
{
    driver_range range;
    return (driver_ranges_find(address, &range) && range.memory_type == CU_MEMORYTYPE_DEVICE) || driver_vmm_reserved(address);
}

static CUresult copy_htod(CUdeviceptr dst, const void *src, size_t size, CUstream stream, int per_thread, int async)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS || size == 0)
        return result;
    return driver_result(driver_client.orion_memcpy_htod(device, dst, src, size, handle, async));
}

static CUresult copy_dtoh(void *dst, CUdeviceptr src, size_t size, CUstream stream, int per_thread, int async)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS || size == 0)
        return result;
    result = driver_result(driver_client.orion_memcpy_dtoh(device, dst, src, size, handle, async));
    return result == CUDA_SUCCESS && !async ? driver_mapped_after_wait(0) : result;
}

static CUresult copy_dtod(CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream, int per_thread, int async)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS || size == 0)
        return result;
    return driver_result(driver_client.orion_memcpy_dtod(device, dst, src, size, handle, async));
}

/* cuMemcpy: unified addressing, the direction follows from where each pointer lives. */
static CUresult copy_unified(CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream, int per_thread, int async)
{
    int dst_device = is_device(dst), src_device = is_device(src);
    if (dst_device && src_device)
        return copy_dtod(dst, src, size, stream, per_thread, async);
    if (dst_device)
        return copy_htod(dst, (const void *)(uintptr_t)src, size, stream, per_thread, async);
    if (src_device)
        return copy_dtoh((void *)(uintptr_t)dst, src, size, stream, per_thread, async);
    /* Host to host: ordered with the stream's earlier work, as the driver orders it. */
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result == CUDA_SUCCESS && size != 0)
        result = driver_result(driver_client.orion_stream_synchronize(device, handle));
    if (result == CUDA_SUCCESS && size != 0)
        result = driver_mapped_after_wait(0);
    if (result == CUDA_SUCCESS && size != 0)
        memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, size);
    return result;
}

DRIVER_API CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t size) { return copy_htod(dst, src, size, NULL, 0, 0); }
DRIVER_API CUresult cuMemcpyHtoD_v2_ptds(CUdeviceptr dst, const void *src, size_t size) { return copy_htod(dst, src, size, NULL, 1, 0); }
DRIVER_API CUresult cuMemcpyDtoH_v2(void *dst, CUdeviceptr src, size_t size) { return copy_dtoh(dst, src, size, NULL, 0, 0); }
DRIVER_API CUresult cuMemcpyDtoH_v2_ptds(void *dst, CUdeviceptr src, size_t size) { return copy_dtoh(dst, src, size, NULL, 1, 0); }
DRIVER_API CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t size) { return copy_dtod(dst, src, size, NULL, 0, 0); }
DRIVER_API CUresult cuMemcpyDtoD_v2_ptds(CUdeviceptr dst, CUdeviceptr src, size_t size) { return copy_dtod(dst, src, size, NULL, 1, 0); }
DRIVER_API CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t size) { return copy_unified(dst, src, size, NULL, 0, 0); }
DRIVER_API CUresult cuMemcpy_ptds(CUdeviceptr dst, CUdeviceptr src, size_t size) { return copy_unified(dst, src, size, NULL, 1, 0); }

DRIVER_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t size, CUstream stream)
{
    return copy_htod(dst, src, size, stream, 0, 1);
}
DRIVER_API CUresult cuMemcpyHtoDAsync_v2_ptsz(CUdeviceptr dst, const void *src, size_t size, CUstream stream)
{
    return copy_htod(dst, src, size, stream, 1, 1);
}
DRIVER_API CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t size, CUstream stream)
{
    return copy_dtoh(dst, src, size, stream, 0, 1);
}
DRIVER_API CUresult cuMemcpyDtoHAsync_v2_ptsz(void *dst, CUdeviceptr src, size_t size, CUstream stream)
{
    return copy_dtoh(dst, src, size, stream, 1, 1);
}
DRIVER_API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream)
{
    return copy_dtod(dst, src, size, stream, 0, 1);
}
DRIVER_API CUresult cuMemcpyDtoDAsync_v2_ptsz(CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream)
{
    return copy_dtod(dst, src, size, stream, 1, 1);
}
DRIVER_API CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream)
{
    return copy_unified(dst, src, size, stream, 0, 1);
}
DRIVER_API CUresult cuMemcpyAsync_ptsz(CUdeviceptr dst, CUdeviceptr src, size_t size, CUstream stream)
{
    return copy_unified(dst, src, size, stream, 1, 1);
}

/* The memory type of one side of a 2D copy, with CU_MEMORYTYPE_UNIFIED resolved. */
static int side_type(int declared, uint64_t address)
{
    if (declared == CU_MEMORYTYPE_UNIFIED)
        return is_device(address) ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST;
    return declared;
}

static CUresult copy_2d(const CUDA_MEMCPY2D *copy, CUstream stream, int per_thread, int async)
{
    if (copy == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    if (copy->srcMemoryType == CU_MEMORYTYPE_ARRAY || copy->dstMemoryType == CU_MEMORYTYPE_ARRAY)
        return driver_copy_2d_with_array(copy, stream, per_thread, async);
    uint64_t src_address = copy->srcMemoryType == CU_MEMORYTYPE_HOST ? driver_address(copy->srcHost) : copy->srcDevice;
    uint64_t dst_address = copy->dstMemoryType == CU_MEMORYTYPE_HOST ? driver_address(copy->dstHost) : copy->dstDevice;
    int src_type = side_type(copy->srcMemoryType, src_address), dst_type = side_type(copy->dstMemoryType, dst_address);
    if ((src_type != CU_MEMORYTYPE_HOST && src_type != CU_MEMORYTYPE_DEVICE) ||
        (dst_type != CU_MEMORYTYPE_HOST && dst_type != CU_MEMORYTYPE_DEVICE))
        return CUDA_ERROR_INVALID_VALUE;
    size_t width = copy->WidthInBytes, height = copy->Height;
    size_t src_pitch = copy->srcPitch, dst_pitch = copy->dstPitch;
    if (height > 1 && (width > src_pitch || width > dst_pitch))
        return CUDA_ERROR_INVALID_VALUE;
    if (width == 0 || height == 0)
        return CUDA_SUCCESS;
    /* The starting element of each side, (x, y) within its pitched layout; a row that would run
     * past its pitch, or an offset that overflows, is a bad descriptor. */
    uint64_t src_offset, dst_offset;
    if ((height > 1 && (copy->srcXInBytes > src_pitch - width || copy->dstXInBytes > dst_pitch - width)) ||
        __builtin_mul_overflow((uint64_t)copy->srcY, (uint64_t)src_pitch, &src_offset) ||
        __builtin_add_overflow(src_offset, (uint64_t)copy->srcXInBytes, &src_offset) ||
        __builtin_add_overflow(src_address, src_offset, &src_address) ||
        __builtin_mul_overflow((uint64_t)copy->dstY, (uint64_t)dst_pitch, &dst_offset) ||
        __builtin_add_overflow(dst_offset, (uint64_t)copy->dstXInBytes, &dst_offset) ||
        __builtin_add_overflow(dst_address, dst_offset, &dst_address))
        return CUDA_ERROR_INVALID_VALUE;
    if (src_type == CU_MEMORYTYPE_HOST && dst_type == CU_MEMORYTYPE_DEVICE)
        return driver_result(driver_client.orion_memcpy_2d_htod(device, dst_address, dst_pitch,
                                                                (const void *)(uintptr_t)src_address, src_pitch, width,
                                                                height, handle, async));
    if (src_type == CU_MEMORYTYPE_DEVICE && dst_type == CU_MEMORYTYPE_HOST)
        return driver_result(driver_client.orion_memcpy_2d_dtoh(device, (void *)(uintptr_t)dst_address, dst_pitch,
                                                                src_address, src_pitch, width, height, handle, async));
    if (src_type == CU_MEMORYTYPE_DEVICE)
        return driver_result(driver_client.orion_memcpy_2d_dtod(device, dst_address, dst_pitch, src_address, src_pitch,
                                                                width, height, handle, async));
    result = driver_result(driver_client.orion_stream_synchronize(device, handle));
    for (size_t row = 0; result == CUDA_SUCCESS && row < height; row++)
        memmove((char *)(uintptr_t)dst_address + row * dst_pitch, (const char *)(uintptr_t)src_address + row * src_pitch,
                width);
    return result;
}

DRIVER_API CUresult cuMemcpy2D_v2(const CUDA_MEMCPY2D *copy) { return copy_2d(copy, NULL, 0, 0); }
DRIVER_API CUresult cuMemcpy2D_v2_ptds(const CUDA_MEMCPY2D *copy) { return copy_2d(copy, NULL, 1, 0); }
DRIVER_API CUresult cuMemcpy2DUnaligned_v2(const CUDA_MEMCPY2D *copy) { return copy_2d(copy, NULL, 0, 0); }
DRIVER_API CUresult cuMemcpy2DUnaligned_v2_ptds(const CUDA_MEMCPY2D *copy) { return copy_2d(copy, NULL, 1, 0); }
DRIVER_API CUresult cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D *copy, CUstream stream) { return copy_2d(copy, stream, 0, 1); }
DRIVER_API CUresult cuMemcpy2DAsync_v2_ptsz(const CUDA_MEMCPY2D *copy, CUstream stream) { return copy_2d(copy, stream, 1, 1); }

/* Memsets of 1, 2 or 4-byte elements, plain or 2D, ordered on a stream. */
static CUresult set_2d(CUdeviceptr dst, size_t pitch, unsigned int value, int element_bytes, size_t width,
                       size_t height, CUstream stream, int per_thread, int async)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS || width == 0 || height == 0)
        return result;
    if (height == 1)
        return driver_result(driver_client.orion_memset_elements(device, dst, value, element_bytes, width, handle, async));
    if (width > pitch / (size_t)element_bytes)
        return CUDA_ERROR_INVALID_VALUE;
    return driver_result(
        driver_client.orion_memset_2d_elements(device, dst, pitch, value, element_bytes, width, height, handle, async));
}

#define MEMSET_FAMILY(bits, type, bytes)                                                                           \
    DRIVER_API CUresult cuMemsetD##bits##_v2(CUdeviceptr dst, type value, size_t count)                            \
    {                                                                                                              \
        return set_2d(dst, count * bytes, value, bytes, count, 1, NULL, 0, 0);                                     \
    }                                                                                                              \
    DRIVER_API CUresult cuMemsetD##bits##_v2_ptds(CUdeviceptr dst, type value, size_t count)                       \
    {                                                                                                              \
        return set_2d(dst, count * bytes, value, bytes, count, 1, NULL, 1, 0);                                     \
    }                                                                                                              \
    DRIVER_API CUresult cuMemsetD##bits##Async(CUdeviceptr dst, type value, size_t count, CUstream stream)         \
    {                                                                                                              \
        return set_2d(dst, count * bytes, value, bytes, count, 1, stream, 0, 1);                                   \
    }                                                                                                              \
    DRIVER_API CUresult cuMemsetD##bits##Async_ptsz(CUdeviceptr dst, type value, size_t count, CUstream stream)    \
    {                                                                                                              \
        return set_2d(dst, count * bytes, value, bytes, count, 1, stream, 1, 1);                                   \
    }                                                                                                              \
    DRIVER_API CUresult cuMemsetD2D##bits##_v2(CUdeviceptr dst, size_t pitch, type value, size_t width, size_t height) \
    {                                                                                                              \
        return set_2d(dst, pitch, value, bytes, width, height, NULL, 0, 0);                                        \
    }                                                                                                              \
    DRIVER_API CUresult cuMemsetD2D##bits##_v2_ptds(CUdeviceptr dst, size_t pitch, type value, size_t width,       \
                                                    size_t height)                                                 \
    {                                                                                                              \
        return set_2d(dst, pitch, value, bytes, width, height, NULL, 1, 0);                                        \
    }                                                                                                              \
    DRIVER_API CUresult cuMemsetD2D##bits##Async(CUdeviceptr dst, size_t pitch, type value, size_t width,          \
                                                 size_t height, CUstream stream)                                   \
    {                                                                                                              \
        return set_2d(dst, pitch, value, bytes, width, height, stream, 0, 1);                                      \
    }                                                                                                              \
    DRIVER_API CUresult cuMemsetD2D##bits##Async_ptsz(CUdeviceptr dst, size_t pitch, type value, size_t width,     \
                                                      size_t height, CUstream stream)                              \
    {                                                                                                              \
        return set_2d(dst, pitch, value, bytes, width, height, stream, 1, 1);                                      \
    }

MEMSET_FAMILY(8, unsigned char, 1)
MEMSET_FAMILY(16, unsigned short, 2)
MEMSET_FAMILY(32, unsigned int, 4)
