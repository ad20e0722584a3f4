/*
 * CUDA arrays: creation, descriptors and destruction, and every copy with an array on one side
 * (cuMemcpy2D and cuMemcpy3D with CU_MEMORYTYPE_ARRAY, cuMemcpyHtoA/AtoH/DtoA/AtoD/AtoA), plus
 * cuMemcpy3D between host and device memory. An array lives in its device's server session; its
 * shape is kept here, so descriptors are answered without a round trip.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "driver_arrays.h"
#include "driver_handles.h"

/* The flags Orion forwards; sparse and deferred-mapping arrays need virtual memory mapping, refused. */
#define SUPPORTED_ARRAY_FLAGS                                                                                      \
    (CUDA_ARRAY3D_LAYERED | CUDA_ARRAY3D_SURFACE_LDST | CUDA_ARRAY3D_CUBEMAP | CUDA_ARRAY3D_TEXTURE_GATHER |       \
     CUDA_ARRAY3D_DEPTH_TEXTURE | CUDA_ARRAY3D_COLOR_ATTACHMENT)

/* Every record made, so that a device reset can mark its arrays dead. Records are never freed. */
struct array_link {
    struct driver_array *array;
    struct array_link *next;
};
static pthread_mutex_t arrays_lock = PTHREAD_MUTEX_INITIALIZER;
static struct array_link *all_arrays;

struct driver_array *driver_live_array(CUarray array)
{
    return array != NULL && __atomic_load_n(&array->magic, __ATOMIC_ACQUIRE) == DRIVER_ARRAY_MAGIC ? array : NULL;
}

unsigned int driver_element_bytes(int format, unsigned int channels)
{
    unsigned int bytes;
    switch (format) {
    case CU_AD_FORMAT_UNSIGNED_INT8:
    case CU_AD_FORMAT_SIGNED_INT8:
        bytes = 1;
        break;
    case CU_AD_FORMAT_UNSIGNED_INT16:
    case CU_AD_FORMAT_SIGNED_INT16:
    case CU_AD_FORMAT_HALF:
        bytes = 2;
        break;
    case CU_AD_FORMAT_UNSIGNED_INT32:
    case CU_AD_FORMAT_SIGNED_INT32:
    case CU_AD_FORMAT_FLOAT:
        bytes = 4;
        break;
    default:
        return 0;
    }
    return channels == 1 || channels == 2 || channels == 4 ? bytes * channels : 0;
}

/* Bytes of a row, rows of a slice and slices of an array. */
static void array_geometry(const struct driver_array *array, uint64_t *row_bytes, uint64_t *rows, uint64_t *slices)
{
    const CUDA_ARRAY3D_DESCRIPTOR *d = &array->descriptor;
    *row_bytes = (uint64_t)d->Width * driver_element_bytes(d->Format, d->NumChannels);
    *rows = d->Height != 0 ? d->Height : 1;
    *slices = d->Depth != 0 ? d->Depth : 1;
}

static CUresult create_array(CUarray *handle, const CUDA_ARRAY3D_DESCRIPTOR *descriptor)
{
    int device;
    if (handle == NULL || descriptor == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    unsigned int channels = descriptor->NumChannels;
    if (descriptor->Width == 0 || (channels != 1 && channels != 2 && channels != 4))
        return CUDA_ERROR_INVALID_VALUE;
    if (driver_element_bytes(descriptor->Format, channels) == 0)
        DRIVER_NOT_SUPPORTED("a CUDA array of a format other than the eight classic ones");
    if ((descriptor->Flags & ~(unsigned int)SUPPORTED_ARRAY_FLAGS) != 0)
        DRIVER_NOT_SUPPORTED("a sparse, deferred-mapping or video CUDA array");
    struct driver_array *record = calloc(1, sizeof *record);
    struct array_link *link = calloc(1, sizeof *link);
    if (record == NULL || link == NULL) {
        free(record);
        free(link);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_array_create(device, descriptor->Width, descriptor->Height,
                                                            descriptor->Depth, descriptor->Format, (int32_t)channels,
                                                            descriptor->Flags, &remote));
    if (result != CUDA_SUCCESS) {
        free(record);
        free(link);
        return result;
    }
    *record = (struct driver_array){0, device, remote, *descriptor};
    __atomic_store_n(&record->magic, DRIVER_ARRAY_MAGIC, __ATOMIC_RELEASE);
    pthread_mutex_lock(&arrays_lock);
    *link = (struct array_link){record, all_arrays};
    all_arrays = link;
    pthread_mutex_unlock(&arrays_lock);
    *handle = record;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuArray3DCreate_v2(CUarray *handle, const CUDA_ARRAY3D_DESCRIPTOR *descriptor)
{
    return create_array(handle, descriptor);
}

DRIVER_API CUresult cuArrayCreate_v2(CUarray *handle, const CUDA_ARRAY_DESCRIPTOR *descriptor)
{
    if (descriptor == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUDA_ARRAY3D_DESCRIPTOR full = {descriptor->Width, descriptor->Height, 0, descriptor->Format,
                                    descriptor->NumChannels, 0};
    return create_array(handle, &full);
}

DRIVER_API CUresult cuArrayDestroy(CUarray array)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    struct driver_array *record = driver_live_array(array);
    if (record == NULL)
        return CUDA_ERROR_INVALID_HANDLE;
    result = driver_result(driver_client.orion_array_destroy(record->device, record->remote));
    if (result == CUDA_SUCCESS)
        __atomic_store_n(&record->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    return result;
}

DRIVER_API CUresult cuArray3DGetDescriptor_v2(CUDA_ARRAY3D_DESCRIPTOR *descriptor, CUarray array)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    struct driver_array *record = driver_live_array(array);
    if (record == NULL)
        return CUDA_ERROR_INVALID_HANDLE;
    if (descriptor == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    *descriptor = record->descriptor;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuArrayGetDescriptor_v2(CUDA_ARRAY_DESCRIPTOR *descriptor, CUarray array)
{
    CUDA_ARRAY3D_DESCRIPTOR full;
    CUresult result = cuArray3DGetDescriptor_v2(descriptor == NULL ? NULL : &full, array);
    if (result == CUDA_SUCCESS)
        *descriptor = (CUDA_ARRAY_DESCRIPTOR){full.Width, full.Height, full.Format, full.NumChannels};
    return result;
}

void driver_arrays_forget_device(int device)
{
    pthread_mutex_lock(&arrays_lock);
    for (struct array_link *link = all_arrays; link != NULL; link = link->next)
        if (link->array->device == device)
            __atomic_store_n(&link->array->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&arrays_lock);
}

/* ---- copies of boxes ---- */

/* One side of a copy: an array and the box's first element in it, or linear (host or device) memory
 * from the box's first byte, pitch bytes from row to row and height rows from slice to slice. */
typedef struct copy_side {
    int type; /* CU_MEMORYTYPE_HOST, _DEVICE or _ARRAY */
    uint64_t address;
    struct driver_array *array;
    uint64_t x, y, z;
    uint64_t pitch, height;
} copy_side;

static int is_device_address(uint64_t address)
{
    driver_range range;
    return (driver_ranges_find(address, &range) && range.memory_type == CU_MEMORYTYPE_DEVICE) || driver_vmm_reserved(address);
}

/* A side from a copy descriptor's fields: CU_MEMORYTYPE_UNIFIED resolved by where the address lives, the
 * (x, y, z) position folded into a linear side's address. */
static CUresult make_side(int type, const void *host, CUdeviceptr device, CUarray array, uint64_t x, uint64_t y,
                          uint64_t z, uint64_t pitch, uint64_t height, copy_side *side)
{
    *side = (copy_side){type, 0, NULL, x, y, z, pitch, height};
    switch (type) {
    case CU_MEMORYTYPE_ARRAY:
        side->array = driver_live_array(array);
        return side->array != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
    case CU_MEMORYTYPE_UNIFIED:
        side->type = is_device_address(device) ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST;
        side->address = device;
        break;
    case CU_MEMORYTYPE_HOST:
        side->address = driver_address(host);
        break;
    case CU_MEMORYTYPE_DEVICE:
        side->address = device;
        break;
    default:
        return CUDA_ERROR_INVALID_VALUE;
    }
    unsigned __int128 start = (unsigned __int128)z * pitch * height + (unsigned __int128)y * pitch + x + side->address;
    if (start > UINT64_MAX)
        return CUDA_ERROR_INVALID_VALUE;
    side->address = (uint64_t)start;
    side->x = side->y = side->z = 0;
    return CUDA_SUCCESS;
}

/* A linear side's rows must fit its pitch and its slices its height, and the whole box the address space. */
static int linear_box_fits(const copy_side *side, uint64_t width, uint64_t height, uint64_t depth)
{
    if (side->type == CU_MEMORYTYPE_ARRAY)
        return 1;
    if (((height > 1 || depth > 1) && width > side->pitch) || (depth > 1 && height > side->height))
        return 0;
    unsigned __int128 end = (unsigned __int128)(depth - 1) * side->pitch * side->height +
                            (unsigned __int128)(height - 1) * side->pitch + width + side->address;
    return end <= UINT64_MAX;
}

/* Host to host: ordered after the stream's earlier work, as the driver orders it. */
static CUresult copy_host_box(const copy_side *src, const copy_side *dst, uint64_t width, uint64_t height,
                              uint64_t depth, int device, uint64_t stream)
{
    CUresult result = driver_result(driver_client.orion_stream_synchronize(device, stream));
    for (uint64_t slice = 0; result == CUDA_SUCCESS && slice < depth; slice++)
        for (uint64_t row = 0; row < height; row++)
            memmove((char *)(uintptr_t)(dst->address + slice * dst->pitch * dst->height + row * dst->pitch),
                    (const char *)(uintptr_t)(src->address + slice * src->pitch * src->height + row * src->pitch),
                    width);
    return result;
}

/* Linear to linear, one 2D copy per slice. */
static CUresult copy_linear_box(const copy_side *src, const copy_side *dst, uint64_t width, uint64_t height,
                                uint64_t depth, int device, uint64_t stream, int async)
{
    if (src->type == CU_MEMORYTYPE_HOST && dst->type == CU_MEMORYTYPE_HOST)
        return copy_host_box(src, dst, width, height, depth, device, stream);
    CUresult result = CUDA_SUCCESS;
    for (uint64_t slice = 0; result == CUDA_SUCCESS && slice < depth; slice++) {
        uint64_t from = src->address + slice * src->pitch * src->height;
        uint64_t to = dst->address + slice * dst->pitch * dst->height;
        if (src->type == CU_MEMORYTYPE_HOST)
            result = driver_result(driver_client.orion_memcpy_2d_htod(device, to, dst->pitch, (const void *)(uintptr_t)from,
                                                                      src->pitch, width, height, stream, async));
        else if (dst->type == CU_MEMORYTYPE_HOST)
            result = driver_result(driver_client.orion_memcpy_2d_dtoh(device, (void *)(uintptr_t)to, dst->pitch, from,
                                                                      src->pitch, width, height, stream, async));
        else
            result = driver_result(driver_client.orion_memcpy_2d_dtod(device, to, dst->pitch, from, src->pitch, width,
                                                                      height, stream, async));
    }
    return result;
}

/* A box of width bytes x height rows x depth slices from src to dst, ordered on stream. */
static CUresult copy_box(const copy_side *src, const copy_side *dst, uint64_t width, uint64_t height, uint64_t depth,
                         CUstream stream, int per_thread, int async)
{
    int device;
    uint64_t handle;
    CUresult result = driver_resolve_stream(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS || width == 0 || height == 0 || depth == 0)
        return result;
    /* An array lives on one device; the copy runs there, so the stream must be of that device. */
    if ((src->array != NULL && src->array->device != device) || (dst->array != NULL && dst->array->device != device))
        return CUDA_ERROR_INVALID_VALUE;
    if (!linear_box_fits(src, width, height, depth) || !linear_box_fits(dst, width, height, depth))
        return CUDA_ERROR_INVALID_VALUE;
    if (src->array != NULL && dst->array != NULL)
        return driver_result(driver_client.orion_memcpy_atoa(device, dst->array->remote, dst->x, dst->y, dst->z,
                                                             src->array->remote, src->x, src->y, src->z, width, height,
                                                             depth, handle, async));
    if (dst->array != NULL && src->type == CU_MEMORYTYPE_HOST)
        return driver_result(driver_client.orion_memcpy_htoa(device, dst->array->remote, dst->x, dst->y, dst->z,
                                                             (const void *)(uintptr_t)src->address, src->pitch,
                                                             src->height, width, height, depth, handle, async));
    if (dst->array != NULL)
        return driver_result(driver_client.orion_memcpy_dtoa(device, dst->array->remote, dst->x, dst->y, dst->z,
                                                             src->address, src->pitch, src->height, width, height,
                                                             depth, handle, async));
    if (src->array != NULL && dst->type == CU_MEMORYTYPE_HOST)
        return driver_result(driver_client.orion_memcpy_atoh(device, (void *)(uintptr_t)dst->address, dst->pitch,
                                                             dst->height, src->array->remote, src->x, src->y, src->z,
                                                             width, height, depth, handle, async));
    if (src->array != NULL)
        return driver_result(driver_client.orion_memcpy_atod(device, dst->address, dst->pitch, dst->height,
                                                             src->array->remote, src->x, src->y, src->z, width, height,
                                                             depth, handle, async));
    return copy_linear_box(src, dst, width, height, depth, device, handle, async);
}

CUresult driver_copy_2d_with_array(const CUDA_MEMCPY2D *copy, CUstream stream, int per_thread, int async)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (copy == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    copy_side src, dst;
    result = make_side(copy->srcMemoryType, copy->srcHost, copy->srcDevice, copy->srcArray, copy->srcXInBytes,
                       copy->srcY, 0, copy->srcPitch, 0, &src);
    if (result == CUDA_SUCCESS)
        result = make_side(copy->dstMemoryType, copy->dstHost, copy->dstDevice, copy->dstArray, copy->dstXInBytes,
                           copy->dstY, 0, copy->dstPitch, 0, &dst);
    return result != CUDA_SUCCESS ? result : copy_box(&src, &dst, copy->WidthInBytes, copy->Height, 1, stream, per_thread, async);
}

static CUresult copy_3d(const CUDA_MEMCPY3D *copy, CUstream stream, int per_thread, int async)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    /* Mipmap levels exist only in mipmapped arrays, which Orion does not make. */
    if (copy == NULL || copy->srcLOD != 0 || copy->dstLOD != 0 || copy->reserved0 != NULL || copy->reserved1 != NULL)
        return CUDA_ERROR_INVALID_VALUE;
    copy_side src, dst;
    result = make_side(copy->srcMemoryType, copy->srcHost, copy->srcDevice, copy->srcArray, copy->srcXInBytes,
                       copy->srcY, copy->srcZ, copy->srcPitch, copy->srcHeight, &src);
    if (result == CUDA_SUCCESS)
        result = make_side(copy->dstMemoryType, copy->dstHost, copy->dstDevice, copy->dstArray, copy->dstXInBytes,
                           copy->dstY, copy->dstZ, copy->dstPitch, copy->dstHeight, &dst);
    return result != CUDA_SUCCESS ? result
                                  : copy_box(&src, &dst, copy->WidthInBytes, copy->Height, copy->Depth, stream, per_thread, async);
}

DRIVER_API CUresult cuMemcpy3D_v2(const CUDA_MEMCPY3D *copy) { return copy_3d(copy, NULL, 0, 0); }
DRIVER_API CUresult cuMemcpy3D_v2_ptds(const CUDA_MEMCPY3D *copy) { return copy_3d(copy, NULL, 1, 0); }
DRIVER_API CUresult cuMemcpy3DAsync_v2(const CUDA_MEMCPY3D *copy, CUstream stream) { return copy_3d(copy, stream, 0, 1); }
DRIVER_API CUresult cuMemcpy3DAsync_v2_ptsz(const CUDA_MEMCPY3D *copy, CUstream stream)
{
    return copy_3d(copy, stream, 1, 1);
}

/* ---- copies by byte offset (cuMemcpyHtoA and kin) ---- */

/* One end of a copy of count bytes: an array with a byte offset into its rows laid end to end, or
 * linear memory (host or device). */
typedef struct span_end {
    int type;
    uint64_t address;
    CUarray array;
    uint64_t offset;
} span_end;

/* The side where the end's next bytes start, and at most how many fit in its current row. */
static CUresult span_side(const span_end *end, uint64_t count, copy_side *side, uint64_t *row_left)
{
    if (end->type != CU_MEMORYTYPE_ARRAY) {
        *side = (copy_side){end->type, end->address + end->offset, NULL, 0, 0, 0, 0, 0};
        *row_left = count;
        return CUDA_SUCCESS;
    }
    struct driver_array *array = driver_live_array(end->array);
    if (array == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    uint64_t row_bytes, rows, slices;
    array_geometry(array, &row_bytes, &rows, &slices);
    uint64_t row = end->offset / row_bytes;
    if (row >= rows * slices)
        return CUDA_ERROR_INVALID_VALUE;
    *side = (copy_side){CU_MEMORYTYPE_ARRAY, 0, array, end->offset % row_bytes, row % rows, row / rows, 0, 0};
    *row_left = row_bytes - end->offset % row_bytes;
    return CUDA_SUCCESS;
}

/* Whether count bytes from the end's offset lie inside its array (always, for linear memory). */
static int span_fits(const span_end *end, uint64_t count)
{
    if (end->type != CU_MEMORYTYPE_ARRAY)
        return 1;
    struct driver_array *array = driver_live_array(end->array);
    if (array == NULL)
        return 0;
    uint64_t row_bytes, rows, slices;
    array_geometry(array, &row_bytes, &rows, &slices);
    unsigned __int128 total = (unsigned __int128)row_bytes * rows * slices;
    return end->offset <= total && count <= total - end->offset;
}

/* count bytes from src to dst, one row piece at a time where an array is involved (one piece for a 1D
 * array); the whole span is checked first, so that a bad one changes nothing. */
static CUresult copy_span(span_end dst, span_end src, uint64_t count, CUstream stream, int per_thread, int async)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!span_fits(&src, count) || !span_fits(&dst, count))
        return CUDA_ERROR_INVALID_VALUE;
    while (result == CUDA_SUCCESS && count > 0) {
        copy_side from, to;
        uint64_t from_left = 0, to_left = 0;
        result = span_side(&src, count, &from, &from_left);
        if (result == CUDA_SUCCESS)
            result = span_side(&dst, count, &to, &to_left);
        if (result != CUDA_SUCCESS)
            break;
        uint64_t piece = count < from_left ? count : from_left;
        piece = piece < to_left ? piece : to_left;
        result = copy_box(&from, &to, piece, 1, 1, stream, per_thread, async);
        src.offset += piece;
        dst.offset += piece;
        count -= piece;
    }
    return result;
}

static span_end in_array(CUarray array, size_t offset) { return (span_end){CU_MEMORYTYPE_ARRAY, 0, array, offset}; }
static span_end in_host(const void *pointer) { return (span_end){CU_MEMORYTYPE_HOST, driver_address(pointer), NULL, 0}; }
static span_end in_device(CUdeviceptr address) { return (span_end){CU_MEMORYTYPE_DEVICE, address, NULL, 0}; }

DRIVER_API CUresult cuMemcpyHtoA_v2(CUarray dst, size_t offset, const void *src, size_t count)
{
    return copy_span(in_array(dst, offset), in_host(src), count, NULL, 0, 0);
}
DRIVER_API CUresult cuMemcpyHtoA_v2_ptds(CUarray dst, size_t offset, const void *src, size_t count)
{
    return copy_span(in_array(dst, offset), in_host(src), count, NULL, 1, 0);
}
DRIVER_API CUresult cuMemcpyHtoAAsync_v2(CUarray dst, size_t offset, const void *src, size_t count, CUstream stream)
{
    return copy_span(in_array(dst, offset), in_host(src), count, stream, 0, 1);
}
DRIVER_API CUresult cuMemcpyHtoAAsync_v2_ptsz(CUarray dst, size_t offset, const void *src, size_t count, CUstream stream)
{
    return copy_span(in_array(dst, offset), in_host(src), count, stream, 1, 1);
}
DRIVER_API CUresult cuMemcpyAtoH_v2(void *dst, CUarray src, size_t offset, size_t count)
{
    return copy_span(in_host(dst), in_array(src, offset), count, NULL, 0, 0);
}
DRIVER_API CUresult cuMemcpyAtoH_v2_ptds(void *dst, CUarray src, size_t offset, size_t count)
{
    return copy_span(in_host(dst), in_array(src, offset), count, NULL, 1, 0);
}
DRIVER_API CUresult cuMemcpyAtoHAsync_v2(void *dst, CUarray src, size_t offset, size_t count, CUstream stream)
{
    return copy_span(in_host(dst), in_array(src, offset), count, stream, 0, 1);
}
DRIVER_API CUresult cuMemcpyAtoHAsync_v2_ptsz(void *dst, CUarray src, size_t offset, size_t count, CUstream stream)
{
    return copy_span(in_host(dst), in_array(src, offset), count, stream, 1, 1);
}
DRIVER_API CUresult cuMemcpyDtoA_v2(CUarray dst, size_t offset, CUdeviceptr src, size_t count)
{
    return copy_span(in_array(dst, offset), in_device(src), count, NULL, 0, 0);
}
DRIVER_API CUresult cuMemcpyDtoA_v2_ptds(CUarray dst, size_t offset, CUdeviceptr src, size_t count)
{
    return copy_span(in_array(dst, offset), in_device(src), count, NULL, 1, 0);
}
DRIVER_API CUresult cuMemcpyAtoD_v2(CUdeviceptr dst, CUarray src, size_t offset, size_t count)
{
    return copy_span(in_device(dst), in_array(src, offset), count, NULL, 0, 0);
}
DRIVER_API CUresult cuMemcpyAtoD_v2_ptds(CUdeviceptr dst, CUarray src, size_t offset, size_t count)
{
    return copy_span(in_device(dst), in_array(src, offset), count, NULL, 1, 0);
}
DRIVER_API CUresult cuMemcpyAtoA_v2(CUarray dst, size_t dst_offset, CUarray src, size_t src_offset, size_t count)
{
    return copy_span(in_array(dst, dst_offset), in_array(src, src_offset), count, NULL, 0, 0);
}
DRIVER_API CUresult cuMemcpyAtoA_v2_ptds(CUarray dst, size_t dst_offset, CUarray src, size_t src_offset, size_t count)
{
    return copy_span(in_array(dst, dst_offset), in_array(src, src_offset), count, NULL, 1, 0);
}
