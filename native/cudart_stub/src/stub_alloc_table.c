/* A sorted array of allocation ranges (device and host), searched by binary search. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "stub_internal.h"

static pthread_rwlock_t ranges_lock = PTHREAD_RWLOCK_INITIALIZER;
static stub_range *ranges;
static size_t range_count, range_capacity;

/* Index of the first range whose base is greater than address. */
static size_t upper_bound(uint64_t address)
{
    size_t low = 0, high = range_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (ranges[middle].base <= address)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

cudaError_t stub_ranges_add(uint64_t base, uint64_t size, enum cudaMemoryType type, int device, unsigned int flags)
{
    pthread_rwlock_wrlock(&ranges_lock);
    if (range_count == range_capacity) {
        size_t capacity = range_capacity == 0 ? 256 : range_capacity * 2;
        stub_range *grown = realloc(ranges, capacity * sizeof *grown);
        if (grown == NULL) {
            pthread_rwlock_unlock(&ranges_lock);
            return cudaErrorMemoryAllocation;
        }
        ranges = grown;
        range_capacity = capacity;
    }
    size_t at = upper_bound(base);
    memmove(&ranges[at + 1], &ranges[at], (range_count - at) * sizeof *ranges);
    ranges[at] = (stub_range){.base = base, .size = size, .type = type, .device = device, .flags = flags};
    range_count++;
    pthread_rwlock_unlock(&ranges_lock);
    return cudaSuccess;
}

int stub_ranges_remove(uint64_t base, enum cudaMemoryType type, stub_range *removed)
{
    int found = 0;
    pthread_rwlock_wrlock(&ranges_lock);
    size_t at = upper_bound(base);
    /* Several ranges may share a base (a zero-length allocation); take the one of this type. */
    while (at > 0 && ranges[at - 1].base == base) {
        if (ranges[at - 1].type == type) {
            if (removed != NULL)
                *removed = ranges[at - 1];
            memmove(&ranges[at - 1], &ranges[at], (range_count - at) * sizeof *ranges);
            range_count--;
            found = 1;
            break;
        }
        at--;
    }
    pthread_rwlock_unlock(&ranges_lock);
    return found;
}

int stub_ranges_find(uint64_t address, stub_range *found)
{
    int hit = 0;
    pthread_rwlock_rdlock(&ranges_lock);
    size_t at = upper_bound(address);
    if (at > 0) {
        const stub_range *candidate = &ranges[at - 1];
        if (address - candidate->base < (candidate->size == 0 ? 1 : candidate->size)) {
            *found = *candidate;
            hit = 1;
        }
    }
    pthread_rwlock_unlock(&ranges_lock);
    return hit;
}

void stub_ranges_forget_device(int device)
{
    pthread_rwlock_wrlock(&ranges_lock);
    size_t kept = 0;
    for (size_t i = 0; i < range_count; i++)
        if (ranges[i].type != cudaMemoryTypeDevice || ranges[i].device != device)
            ranges[kept++] = ranges[i];
    range_count = kept;
    pthread_rwlock_unlock(&ranges_lock);
}

cudaError_t stub_resolve_copy_kind(const void *dst, const void *src, enum cudaMemcpyKind kind,
                                   enum cudaMemcpyKind *resolved)
{
    if (kind != cudaMemcpyDefault) {
        if ((int)kind < cudaMemcpyHostToHost || (int)kind > cudaMemcpyDefault)
            return cudaErrorInvalidMemcpyDirection;
        *resolved = kind;
        return cudaSuccess;
    }
    stub_range range;
    int dst_device = stub_ranges_find(stub_address(dst), &range) && range.type == cudaMemoryTypeDevice;
    int src_device = stub_ranges_find(stub_address(src), &range) && range.type == cudaMemoryTypeDevice;
    *resolved = dst_device ? (src_device ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                           : (src_device ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
    return cudaSuccess;
}
