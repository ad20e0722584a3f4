/* Device memory: allocation, copies (1D, 2D, peer, symbols) and memsets. */
#include <string.h>

#include "stub_internal.h"

STUB_API cudaError_t cudaMalloc(void **pointer, size_t size)
{
    if (pointer == NULL)
        return stub_result(cudaErrorInvalidValue);
    *pointer = NULL;
    if (size == 0)
        return cudaSuccess; /* CUDA returns success and a null pointer */
    cudaError_t error = stub_begin();
    if (error != cudaSuccess)
        return stub_result(error);
    int device = stub_current_device();
    uint64_t address = 0;
    error = (cudaError_t)stub_client.orion_malloc(device, size, &address);
    if (error != cudaSuccess)
        return stub_result(error);
    error = stub_ranges_add(address, size, cudaMemoryTypeDevice, device, 0);
    if (error != cudaSuccess) {
        stub_client.orion_free(device, address);
        return stub_result(error);
    }
    *pointer = (void *)(uintptr_t)address;
    return cudaSuccess;
}

STUB_API cudaError_t cudaMallocPitch(void **pointer, size_t *pitch, size_t width, size_t height)
{
    if (pitch == NULL || pointer == NULL)
        return stub_result(cudaErrorInvalidValue);
    /* Same row alignment as the CUDA driver gives on current GPUs (512 bytes). */
    const size_t alignment = 512;
    if (width > SIZE_MAX - alignment)
        return stub_result(cudaErrorInvalidValue);
    size_t row = (width + alignment - 1) / alignment * alignment;
    if (height != 0 && row > SIZE_MAX / height)
        return stub_result(cudaErrorMemoryAllocation);
    *pitch = row;
    return cudaMalloc(pointer, row * height);
}

STUB_API cudaError_t cudaFree(void *pointer)
{
    cudaError_t error = stub_begin();
    if (pointer == NULL)
        return stub_result(error); /* cudaFree(0) only initialises, as in CUDA */
    if (error != cudaSuccess)
        return stub_result(error);
    stub_range range;
    if (!stub_ranges_remove(stub_address(pointer), cudaMemoryTypeDevice, &range))
        return stub_result(cudaErrorInvalidValue);
    return stub_result((cudaError_t)stub_client.orion_free(range.device, range.base));
}

STUB_API cudaError_t cudaMallocAsync(void **pointer, size_t size, cudaStream_t stream)
{
    (void)stream; /* available at once is a valid stream-ordered allocation */
    return cudaMalloc(pointer, size);
}

STUB_API cudaError_t cudaMallocAsync_ptsz(void **pointer, size_t size, cudaStream_t stream)
{
    return cudaMallocAsync(pointer, size, stream);
}

STUB_API cudaError_t cudaFreeAsync(void *pointer, cudaStream_t stream)
{
    if (pointer == NULL)
        return cudaSuccess;
    /* Free only once the stream has finished the work that may still use the memory. */
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_stream_synchronize(stub_current_device(), stub_stream_handle(stream));
    if (error != cudaSuccess)
        return stub_result(error);
    return cudaFree(pointer);
}

STUB_API cudaError_t cudaFreeAsync_ptsz(void *pointer, cudaStream_t stream)
{
    return cudaFreeAsync(pointer, stream == NULL ? cudaStreamPerThread : stream);
}

/* The part of a non-empty copy (1D or 2D) that does not depend on its shape: both pointers are
   real, the connection is up, and the device and stream are resolved. */
static cudaError_t begin_copy(const void *dst, const void *src, cudaStream_t stream, int *device, uint64_t *handle)
{
    if (dst == NULL || src == NULL)
        return cudaErrorInvalidValue;
    cudaError_t error = stub_begin();
    if (error != cudaSuccess)
        return error;
    *device = stub_current_device();
    *handle = stub_stream_handle(stream);
    return cudaSuccess;
}

static cudaError_t copy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream,
                        int async)
{
    enum cudaMemcpyKind direction;
    cudaError_t error = stub_resolve_copy_kind(dst, src, kind, &direction);
    if (error != cudaSuccess)
        return stub_result(error);
    if (count == 0)
        return cudaSuccess;
    int device = 0;
    uint64_t handle = 0;
    error = begin_copy(dst, src, stream, &device, &handle);
    if (error != cudaSuccess)
        return stub_result(error);
    switch (direction) {
    case cudaMemcpyHostToDevice:
        error = (cudaError_t)stub_client.orion_memcpy_htod(device, stub_address(dst), src, count, handle, async);
        break;
    case cudaMemcpyDeviceToHost:
        error = (cudaError_t)stub_client.orion_memcpy_dtoh(device, dst, stub_address(src), count, handle, async);
        break;
    case cudaMemcpyDeviceToDevice:
        error = (cudaError_t)stub_client.orion_memcpy_dtod(device, stub_address(dst), stub_address(src), count,
                                                           handle, async);
        break;
    default:
        /* Host to host stays local, ordered after the stream's earlier work. */
        if (async)
            error = (cudaError_t)stub_client.orion_stream_synchronize(device, handle);
        if (error == cudaSuccess)
            memmove(dst, src, count);
        break;
    }
    return stub_result(error);
}

STUB_API cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind)
{
    return copy(dst, src, count, kind, NULL, 0);
}

STUB_API cudaError_t cudaMemcpy_ptds(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind)
{
    return copy(dst, src, count, kind, cudaStreamPerThread, 0);
}

STUB_API cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
                                     cudaStream_t stream)
{
    return copy(dst, src, count, kind, stream, 1);
}

STUB_API cudaError_t cudaMemcpyAsync_ptsz(void *dst, const void *src, size_t count, enum cudaMemcpyKind kind,
                                          cudaStream_t stream)
{
    return copy(dst, src, count, kind, stream == NULL ? cudaStreamPerThread : stream, 1);
}

static cudaError_t copy_2d(void *dst, size_t dst_pitch, const void *src, size_t src_pitch, size_t width,
                           size_t height, enum cudaMemcpyKind kind, cudaStream_t stream, int async)
{
    enum cudaMemcpyKind direction;
    cudaError_t error = stub_resolve_copy_kind(dst, src, kind, &direction);
    if (error != cudaSuccess)
        return stub_result(error);
    if (width > dst_pitch || width > src_pitch)
        return stub_result(cudaErrorInvalidPitchValue);
    if (width == 0 || height == 0)
        return cudaSuccess;
    int device = 0;
    uint64_t handle = 0;
    error = begin_copy(dst, src, stream, &device, &handle);
    if (error != cudaSuccess)
        return stub_result(error);
    switch (direction) {
    case cudaMemcpyHostToDevice:
        error = (cudaError_t)stub_client.orion_memcpy_2d_htod(device, stub_address(dst), dst_pitch, src, src_pitch,
                                                              width, height, handle, async);
        break;
    case cudaMemcpyDeviceToHost:
        error = (cudaError_t)stub_client.orion_memcpy_2d_dtoh(device, dst, dst_pitch, stub_address(src), src_pitch,
                                                              width, height, handle, async);
        break;
    case cudaMemcpyDeviceToDevice:
        error = (cudaError_t)stub_client.orion_memcpy_2d_dtod(device, stub_address(dst), dst_pitch,
                                                              stub_address(src), src_pitch, width, height, handle,
                                                              async);
        break;
    default:
        if (async)
            error = (cudaError_t)stub_client.orion_stream_synchronize(device, handle);
        for (size_t row = 0; error == cudaSuccess && row < height; row++)
            memmove((char *)dst + row * dst_pitch, (const char *)src + row * src_pitch, width);
        break;
    }
    return stub_result(error);
}

STUB_API cudaError_t cudaMemcpy2D(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                                  size_t height, enum cudaMemcpyKind kind)
{
    return copy_2d(dst, dpitch, src, spitch, width, height, kind, NULL, 0);
}

STUB_API cudaError_t cudaMemcpy2D_ptds(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                                       size_t height, enum cudaMemcpyKind kind)
{
    return copy_2d(dst, dpitch, src, spitch, width, height, kind, cudaStreamPerThread, 0);
}

STUB_API cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                                       size_t height, enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return copy_2d(dst, dpitch, src, spitch, width, height, kind, stream, 1);
}

STUB_API cudaError_t cudaMemcpy2DAsync_ptsz(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width,
                                            size_t height, enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return copy_2d(dst, dpitch, src, spitch, width, height, kind, stream == NULL ? cudaStreamPerThread : stream, 1);
}

static cudaError_t set_memory(void *dst, int value, size_t count, cudaStream_t stream, int async)
{
    if (count == 0)
        return cudaSuccess;
    if (dst == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_memset(stub_current_device(), stub_address(dst), (uint8_t)value,
                                                      count, stub_stream_handle(stream), async);
    return stub_result(error);
}

STUB_API cudaError_t cudaMemset(void *dst, int value, size_t count) { return set_memory(dst, value, count, NULL, 0); }

STUB_API cudaError_t cudaMemset_ptds(void *dst, int value, size_t count)
{
    return set_memory(dst, value, count, cudaStreamPerThread, 0);
}

STUB_API cudaError_t cudaMemsetAsync(void *dst, int value, size_t count, cudaStream_t stream)
{
    return set_memory(dst, value, count, stream, 1);
}

STUB_API cudaError_t cudaMemsetAsync_ptsz(void *dst, int value, size_t count, cudaStream_t stream)
{
    return set_memory(dst, value, count, stream == NULL ? cudaStreamPerThread : stream, 1);
}

static cudaError_t set_memory_2d(void *dst, size_t pitch, int value, size_t width, size_t height,
                                 cudaStream_t stream, int async)
{
    if (width > pitch)
        return stub_result(cudaErrorInvalidPitchValue);
    if (width == 0 || height == 0)
        return cudaSuccess;
    if (dst == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_memset_2d(stub_current_device(), stub_address(dst), pitch,
                                                         (uint8_t)value, width, height, stub_stream_handle(stream),
                                                         async);
    return stub_result(error);
}

STUB_API cudaError_t cudaMemset2D(void *dst, size_t pitch, int value, size_t width, size_t height)
{
    return set_memory_2d(dst, pitch, value, width, height, NULL, 0);
}

STUB_API cudaError_t cudaMemset2D_ptds(void *dst, size_t pitch, int value, size_t width, size_t height)
{
    return set_memory_2d(dst, pitch, value, width, height, cudaStreamPerThread, 0);
}

STUB_API cudaError_t cudaMemset2DAsync(void *dst, size_t pitch, int value, size_t width, size_t height,
                                       cudaStream_t stream)
{
    return set_memory_2d(dst, pitch, value, width, height, stream, 1);
}

STUB_API cudaError_t cudaMemset2DAsync_ptsz(void *dst, size_t pitch, int value, size_t width, size_t height,
                                            cudaStream_t stream)
{
    return set_memory_2d(dst, pitch, value, width, height, stream == NULL ? cudaStreamPerThread : stream, 1);
}

static cudaError_t copy_peer(void *dst, int dst_device, const void *src, int src_device, size_t count,
                             cudaStream_t stream, int async)
{
    if (count == 0)
        return cudaSuccess;
    if (dst == NULL || src == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_memcpy_peer(dst_device, stub_address(dst), src_device,
                                                           stub_address(src), count, stub_stream_handle(stream),
                                                           async);
    return stub_result(error);
}

STUB_API cudaError_t cudaMemcpyPeer(void *dst, int dst_device, const void *src, int src_device, size_t count)
{
    return copy_peer(dst, dst_device, src, src_device, count, NULL, 0);
}

STUB_API cudaError_t cudaMemcpyPeerAsync(void *dst, int dst_device, const void *src, int src_device, size_t count,
                                         cudaStream_t stream)
{
    return copy_peer(dst, dst_device, src, src_device, count, stream, 1);
}

/* Symbols: the host address of a __device__/__constant__ variable names it. */
static cudaError_t symbol_address(const void *symbol, uint64_t *address, uint64_t *size)
{
    stub_variable *variable = stub_find_variable(symbol);
    if (variable == NULL)
        return cudaErrorInvalidSymbol;
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = stub_resolve_variable(variable, stub_current_device(), address);
    *size = variable->size;
    return error;
}

static cudaError_t copy_symbol(void *host, const void *symbol, size_t count, size_t offset,
                               enum cudaMemcpyKind kind, int to_symbol, cudaStream_t stream, int async)
{
    uint64_t address = 0, size = 0;
    cudaError_t error = symbol_address(symbol, &address, &size);
    if (error != cudaSuccess)
        return stub_result(error);
    if (offset > size || count > size - offset)
        return stub_result(cudaErrorInvalidValue);
    void *remote = (void *)(uintptr_t)(address + offset);
    if (to_symbol) {
        if (kind != cudaMemcpyHostToDevice && kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault)
            return stub_result(cudaErrorInvalidMemcpyDirection);
        return copy(remote, host, count, kind == cudaMemcpyDefault ? cudaMemcpyHostToDevice : kind, stream, async);
    }
    if (kind != cudaMemcpyDeviceToHost && kind != cudaMemcpyDeviceToDevice && kind != cudaMemcpyDefault)
        return stub_result(cudaErrorInvalidMemcpyDirection);
    if (kind == cudaMemcpyDefault) {
        stub_range range;
        int device_dst = stub_ranges_find(stub_address(host), &range) && range.type == cudaMemoryTypeDevice;
        kind = device_dst ? cudaMemcpyDeviceToDevice : cudaMemcpyDeviceToHost;
    }
    return copy(host, remote, count, kind, stream, async);
}

STUB_API cudaError_t cudaMemcpyToSymbol(const void *symbol, const void *src, size_t count, size_t offset,
                                        enum cudaMemcpyKind kind)
{
    if (kind == cudaMemcpyDefault) {
        stub_range range;
        if (stub_ranges_find(stub_address(src), &range) && range.type == cudaMemoryTypeDevice)
            kind = cudaMemcpyDeviceToDevice;
    }
    return copy_symbol((void *)src, symbol, count, offset, kind, 1, NULL, 0);
}

STUB_API cudaError_t cudaMemcpyToSymbol_ptds(const void *symbol, const void *src, size_t count, size_t offset,
                                             enum cudaMemcpyKind kind)
{
    return copy_symbol((void *)src, symbol, count, offset, kind, 1, cudaStreamPerThread, 0);
}

STUB_API cudaError_t cudaMemcpyFromSymbol(void *dst, const void *symbol, size_t count, size_t offset,
                                          enum cudaMemcpyKind kind)
{
    return copy_symbol(dst, symbol, count, offset, kind, 0, NULL, 0);
}

STUB_API cudaError_t cudaMemcpyFromSymbol_ptds(void *dst, const void *symbol, size_t count, size_t offset,
                                               enum cudaMemcpyKind kind)
{
    return copy_symbol(dst, symbol, count, offset, kind, 0, cudaStreamPerThread, 0);
}

STUB_API cudaError_t cudaMemcpyToSymbolAsync(const void *symbol, const void *src, size_t count, size_t offset,
                                             enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return copy_symbol((void *)src, symbol, count, offset, kind, 1, stream, 1);
}

STUB_API cudaError_t cudaMemcpyToSymbolAsync_ptsz(const void *symbol, const void *src, size_t count, size_t offset,
                                                  enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return copy_symbol((void *)src, symbol, count, offset, kind, 1, stream == NULL ? cudaStreamPerThread : stream, 1);
}

STUB_API cudaError_t cudaMemcpyFromSymbolAsync(void *dst, const void *symbol, size_t count, size_t offset,
                                               enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return copy_symbol(dst, symbol, count, offset, kind, 0, stream, 1);
}

STUB_API cudaError_t cudaMemcpyFromSymbolAsync_ptsz(void *dst, const void *symbol, size_t count, size_t offset,
                                                    enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return copy_symbol(dst, symbol, count, offset, kind, 0, stream == NULL ? cudaStreamPerThread : stream, 1);
}

STUB_API cudaError_t cudaGetSymbolAddress(void **device_pointer, const void *symbol)
{
    if (device_pointer == NULL)
        return stub_result(cudaErrorInvalidValue);
    uint64_t address = 0, size = 0;
    cudaError_t error = symbol_address(symbol, &address, &size);
    if (error == cudaSuccess)
        *device_pointer = (void *)(uintptr_t)address;
    return stub_result(error);
}

STUB_API cudaError_t cudaGetSymbolSize(size_t *size, const void *symbol)
{
    if (size == NULL)
        return stub_result(cudaErrorInvalidValue);
    stub_variable *variable = stub_find_variable(symbol);
    if (variable == NULL)
        return stub_result(cudaErrorInvalidSymbol);
    *size = (size_t)variable->size;
    return cudaSuccess;
}
