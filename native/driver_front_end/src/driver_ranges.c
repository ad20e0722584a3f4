/*
 * The allocations this process got through the front end, device and host, sorted by base.
 * Device addresses are the server's and cannot be told from host addresses by value, so
 * cuPointerGetAttribute(s), cuMemGetAddressRange and unified copies look them up here.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "driver_internal.h"

#define RANGE_LIMIT (1u << 22) /* more live allocations than any program makes; bounds the table */

static driver_range *ranges;
static size_t count, capacity;
static uint64_t next_buffer_id = 1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Index of the first range whose base is greater than address. */
static size_t upper_bound(uint64_t address)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (ranges[middle].base <= address)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

CUresult driver_ranges_add(uint64_t base, uint64_t size, int memory_type, int device, unsigned int flags)
{
    CUresult result = CUDA_SUCCESS;
    pthread_mutex_lock(&lock);
    if (count == capacity) {
        size_t grown = capacity == 0 ? 64 : capacity * 2;
        driver_range *bigger = grown <= RANGE_LIMIT ? realloc(ranges, grown * sizeof *ranges) : NULL;
        if (bigger == NULL)
            result = CUDA_ERROR_OUT_OF_MEMORY;
        else
            ranges = bigger, capacity = grown;
    }
    if (result == CUDA_SUCCESS) {
        size_t at = upper_bound(base);
        memmove(&ranges[at + 1], &ranges[at], (count - at) * sizeof *ranges);
        ranges[at] = (driver_range){base, size, memory_type, device, flags, next_buffer_id++};
        count++;
    }
    pthread_mutex_unlock(&lock);
    return result;
}

int driver_ranges_remove(uint64_t base, int memory_type, driver_range *removed)
{
    int found = 0;
    pthread_mutex_lock(&lock);
    size_t at = upper_bound(base);
    if (at > 0 && ranges[at - 1].base == base && ranges[at - 1].memory_type == memory_type) {
        if (removed != NULL)
            *removed = ranges[at - 1];
        memmove(&ranges[at - 1], &ranges[at], (count - at) * sizeof *ranges);
        count--;
        found = 1;
    }
    pthread_mutex_unlock(&lock);
    return found;
}

int driver_ranges_find(uint64_t address, driver_range *found)
{
    int hit = 0;
    pthread_mutex_lock(&lock);
    size_t at = upper_bound(address);
    if (at > 0) {
        driver_range *range = &ranges[at - 1];
        /* A zero-size allocation still owns its base address. */
        if (address == range->base || address - range->base < range->size) {
            *found = *range;
            hit = 1;
        }
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

void driver_ranges_forget_device(int device)
{
    pthread_mutex_lock(&lock);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (!(ranges[i].memory_type == CU_MEMORYTYPE_DEVICE && ranges[i].device == device))
            ranges[kept++] = ranges[i];
        else if (ranges[i].flags & DRIVER_RANGE_FLAG_RESERVED)
            driver_release_device_range(ranges[i].base, ranges[i].size);
    }
    count = kept;
    pthread_mutex_unlock(&lock);
}
