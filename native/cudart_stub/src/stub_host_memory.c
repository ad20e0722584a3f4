/*
 * Host memory the application asks CUDA for. It stays on the client: "pinned" memory is
 * ordinary page-aligned memory here (the client may register it with its transport), and
 * mapped (zero-copy) memory cannot exist across a network, so it gets a clear not-supported.
 */
#include <stdlib.h>
#include <unistd.h>

#include "stub_internal.h"

/* Registered ranges are marked with this flag bit so that cudaFreeHost refuses them. */
#define REGISTERED_FLAG 0x80000000u

static cudaError_t allocate_host(void **pointer, size_t size, unsigned int flags)
{
    if (pointer == NULL)
        return stub_result(cudaErrorInvalidValue);
    *pointer = NULL;
    if ((flags & ~(unsigned int)(cudaHostAllocPortable | cudaHostAllocMapped | cudaHostAllocWriteCombined)) != 0)
        return stub_result(cudaErrorInvalidValue);
    if ((flags & cudaHostAllocMapped) != 0) {
        static int logged;
        return stub_not_supported("cudaHostAlloc with cudaHostAllocMapped (mapped host memory)", &logged);
    }
    if (size == 0)
        return cudaSuccess;
    long page = sysconf(_SC_PAGESIZE);
    void *memory = NULL;
    if (posix_memalign(&memory, page > 0 ? (size_t)page : 4096, size) != 0)
        return stub_result(cudaErrorMemoryAllocation);
    cudaError_t error = stub_ranges_add(stub_address(memory), size, cudaMemoryTypeHost, stub_current_device(), flags);
    if (error != cudaSuccess) {
        free(memory);
        return stub_result(error);
    }
    *pointer = memory;
    return cudaSuccess;
}

STUB_API cudaError_t cudaMallocHost(void **pointer, size_t size) { return allocate_host(pointer, size, 0); }

STUB_API cudaError_t cudaHostAlloc(void **pointer, size_t size, unsigned int flags)
{
    return allocate_host(pointer, size, flags);
}

STUB_API cudaError_t cudaFreeHost(void *pointer)
{
    if (pointer == NULL)
        return cudaSuccess;
    stub_range range;
    if (!stub_ranges_find(stub_address(pointer), &range) || range.base != stub_address(pointer) ||
        range.type != cudaMemoryTypeHost || (range.flags & REGISTERED_FLAG) != 0)
        return stub_result(cudaErrorInvalidValue);
    stub_ranges_remove(range.base, cudaMemoryTypeHost, NULL);
    free(pointer);
    return cudaSuccess;
}

STUB_API cudaError_t cudaHostRegister(void *pointer, size_t size, unsigned int flags)
{
    const unsigned int known =
        cudaHostRegisterPortable | cudaHostRegisterMapped | cudaHostRegisterIoMemory | cudaHostRegisterReadOnly;
    /* Unknown bits are refused as CUDA does; kept, they would also reach the REGISTERED_FLAG bit. */
    if (pointer == NULL || size == 0 || (flags & ~known) != 0)
        return stub_result(cudaErrorInvalidValue);
    if ((flags & (cudaHostRegisterMapped | cudaHostRegisterIoMemory)) != 0) {
        static int logged;
        return stub_not_supported("cudaHostRegister with cudaHostRegisterMapped or cudaHostRegisterIoMemory", &logged);
    }
    stub_range existing;
    if (stub_ranges_find(stub_address(pointer), &existing) ||
        stub_ranges_find(stub_address(pointer) + size - 1, &existing))
        return stub_result(cudaErrorHostMemoryAlreadyRegistered);
    return stub_result(stub_ranges_add(stub_address(pointer), size, cudaMemoryTypeHost, stub_current_device(),
                                       flags | REGISTERED_FLAG));
}

STUB_API cudaError_t cudaHostUnregister(void *pointer)
{
    stub_range range;
    if (pointer == NULL || !stub_ranges_find(stub_address(pointer), &range) || range.base != stub_address(pointer) ||
        (range.flags & REGISTERED_FLAG) == 0)
        return stub_result(cudaErrorHostMemoryNotRegistered);
    stub_ranges_remove(range.base, cudaMemoryTypeHost, NULL);
    return cudaSuccess;
}

STUB_API cudaError_t cudaHostGetFlags(unsigned int *flags, void *pointer)
{
    stub_range range;
    if (flags == NULL || !stub_ranges_find(stub_address(pointer), &range) || range.type != cudaMemoryTypeHost)
        return stub_result(cudaErrorInvalidValue);
    *flags = range.flags & ~REGISTERED_FLAG;
    return cudaSuccess;
}

STUB_API cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes *attributes, const void *pointer)
{
    if (attributes == NULL)
        return stub_result(cudaErrorInvalidValue);
    stub_range range;
    struct cudaPointerAttributes result = {0};
    result.device = -2; /* what CUDA reports for memory it does not know */
    if (stub_ranges_find(stub_address(pointer), &range)) {
        result.type = range.type;
        result.device = range.device;
        if (range.type == cudaMemoryTypeDevice)
            result.devicePointer = (void *)pointer;
        else
            result.hostPointer = (void *)pointer;
    } else {
        result.type = cudaMemoryTypeUnregistered;
        result.hostPointer = (void *)pointer;
    }
    *attributes = result;
    return cudaSuccess;
}
