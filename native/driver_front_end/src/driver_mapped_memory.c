/*
 * Mapped host memory (cuMemHostAlloc with CU_MEMHOSTALLOC_DEVICEMAP), as a mirror. The server's
 * GPU cannot reach this process's memory, so each mapped allocation is two copies at one address:
 * device memory on the server, and host memory mapped here at the very address the server gave
 * (the front end reserves every device address in this process anyway), so the host pointer is
 * the device pointer, as with unified addressing on a local GPU.
 *
 * The copies meet at the points where CUDA's own ordering lets a program see the other side's
 * writes: before work goes to the device (a launch, a graph launch), the bytes the host changed
 * since the copies last met go to the device on that work's stream; after the program has waited
 * for the device (a synchronize, a successful query, a synchronous copy), the bytes the device
 * changed come back. A byte both sides changed in between takes the device's value: that is a
 * data race in the program on a local GPU too. A shadow of the last agreed contents tells which
 * side changed what. What this cannot give is a kernel and the host exchanging values while the
 * kernel runs (a host spinning on a flag a running kernel sets): the device attribute
 * CAN_MAP_HOST_MEMORY stays 0, so a program that asks is told mapped memory is not there.
 * cuDNN allocates a small mapped buffer without asking, and this is for it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "driver_internal.h"

#define MAX_MIRRORS 4096        /* mapped allocations a process may hold at once */
#define MAX_MIRROR_BYTES (1ull << 30)

struct mirror {
    uint64_t base, size;
    uint64_t allocation; /* the server's allocation, which base lies in (page-aligned inside it) */
    int device;
    unsigned char *shadow; /* the contents both sides last agreed on */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct mirror mirrors[MAX_MIRRORS];
static int mirror_count;
/* Whether work went to the device since the copies last met: only then can the device's copy
 * differ from the shadow. */
static int device_work_since_pull;

static uint64_t page_rounded(uint64_t size) { return (size + 4095) & ~4095ull; }

CUresult driver_mapped_alloc(void **pointer, size_t size, int device, unsigned int flags)
{
    if (size == 0 || size > MAX_MIRROR_BYTES)
        return size == 0 ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_OUT_OF_MEMORY;
    uint64_t length = page_rounded(size), allocation = 0;
    pthread_mutex_lock(&lock);
    int full = mirror_count == MAX_MIRRORS;
    pthread_mutex_unlock(&lock);
    if (full)
        return CUDA_ERROR_OUT_OF_MEMORY;
    unsigned char *shadow = calloc(1, length);
    if (shadow == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    /* A page more than asked: the server's driver aligns small allocations to less than a page, and
     * the host side can only be mapped at a page. */
    CUresult result = driver_result(driver_client.orion_malloc(device, length + 4096, &allocation));
    if (result != CUDA_SUCCESS) {
        free(shadow);
        return result;
    }
    uint64_t address = (allocation + 4095) & ~4095ull;
    /* The host side goes where the device side is: over the reservation of its addresses. */
    enum driver_reservation reservation = driver_reserve_device_range(address, length);
    if (reservation != DRIVER_RANGE_RESERVED ||
        mmap((void *)(uintptr_t)address, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
             0) == MAP_FAILED) {
        if (reservation == DRIVER_RANGE_RESERVED)
            driver_release_device_range(address, length);
        driver_client.orion_free(device, allocation);
        free(shadow);
        driver_log(DRIVER_LOG_ERROR, "mapped host memory: the device address 0x%llx cannot be mapped in this process (%s)",
                   (unsigned long long)address,
                   reservation == DRIVER_RANGE_COLLIDES ? "the program's memory is there" : "not a user-space address");
        static int logged;
        return driver_not_supported("cuMemHostAlloc with CU_MEMHOSTALLOC_DEVICEMAP at this device address", &logged);
    }
    /* Both copies start as zeros, like the shadow: the device's memory is not cleared by cuMemAlloc. */
    result = driver_result(
        driver_client.orion_memcpy_htod(device, address, (const void *)(uintptr_t)address, length, 0, 0));
    if (result == CUDA_SUCCESS)
        result = driver_ranges_add(address, size, CU_MEMORYTYPE_HOST, device, flags | DRIVER_RANGE_FLAG_MIRROR);
    if (result == CUDA_SUCCESS) {
        pthread_mutex_lock(&lock);
        if (mirror_count < MAX_MIRRORS) {
            mirrors[mirror_count] = (struct mirror){address, length, allocation, device, shadow};
            __atomic_store_n(&mirror_count, mirror_count + 1, __ATOMIC_RELEASE);
        }
        else
            result = CUDA_ERROR_OUT_OF_MEMORY;
        pthread_mutex_unlock(&lock);
        if (result != CUDA_SUCCESS)
            driver_ranges_remove(address, CU_MEMORYTYPE_HOST, NULL);
    }
    if (result != CUDA_SUCCESS) {
        driver_release_device_range(address, length);
        driver_client.orion_free(device, allocation);
        free(shadow);
        return result;
    }
    *pointer = (void *)(uintptr_t)address;
    return CUDA_SUCCESS;
}

int driver_mapped_is_mirror(const driver_range *range) { return (range->flags & DRIVER_RANGE_FLAG_MIRROR) != 0; }

/* Frees a mirror whose range the caller has taken out of the range table. */
CUresult driver_mapped_free(uint64_t base)
{
    struct mirror gone = {0};
    pthread_mutex_lock(&lock);
    for (int i = 0; i < mirror_count; i++)
        if (mirrors[i].base == base) {
            gone = mirrors[i];
            mirrors[i] = mirrors[mirror_count - 1];
            __atomic_store_n(&mirror_count, mirror_count - 1, __ATOMIC_RELEASE);
            break;
        }
    pthread_mutex_unlock(&lock);
    if (gone.base == 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_result(driver_client.orion_free(gone.device, gone.allocation));
    driver_release_device_range(gone.base, gone.size);
    free(gone.shadow);
    return result;
}

/* The span [*first, *last) where a and b differ; 0 when they are equal. */
static int differing_span(const unsigned char *a, const unsigned char *b, uint64_t size, uint64_t *first,
                          uint64_t *last)
{
    uint64_t start = 0, end = size;
    while (start < size && a[start] == b[start])
        start++;
    if (start == size)
        return 0;
    while (end > start && a[end - 1] == b[end - 1])
        end--;
    *first = start;
    *last = end;
    return 1;
}

CUresult driver_mapped_before_device_work(int device, uint64_t stream)
{
    if (__atomic_load_n(&mirror_count, __ATOMIC_ACQUIRE) == 0)
        return CUDA_SUCCESS;
    CUresult result = CUDA_SUCCESS;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < mirror_count && result == CUDA_SUCCESS; i++) {
        struct mirror *m = &mirrors[i];
        const unsigned char *host = (const unsigned char *)(uintptr_t)m->base;
        uint64_t first, last;
        if (m->device != device || !differing_span(host, m->shadow, m->size, &first, &last))
            continue;
        /* Staged now (the source is pageable), so later host writes do not race the copy. */
        memcpy(m->shadow + first, host + first, last - first);
        result = driver_result(
            driver_client.orion_memcpy_htod(device, m->base + first, m->shadow + first, last - first, stream, 1));
    }
    device_work_since_pull = 1;
    pthread_mutex_unlock(&lock);
    return result;
}

CUresult driver_mapped_after_wait(int whole_device)
{
    if (__atomic_load_n(&mirror_count, __ATOMIC_ACQUIRE) == 0)
        return CUDA_SUCCESS;
    CUresult result = CUDA_SUCCESS;
    pthread_mutex_lock(&lock);
    for (int i = 0; device_work_since_pull && i < mirror_count && result == CUDA_SUCCESS; i++) {
        struct mirror *m = &mirrors[i];
        unsigned char *device_copy = malloc(m->size);
        if (device_copy == NULL) {
            result = CUDA_ERROR_OUT_OF_MEMORY;
            break;
        }
        result = driver_result(driver_client.orion_memcpy_dtoh(m->device, device_copy, m->base, m->size, 0, 0));
        unsigned char *host = (unsigned char *)(uintptr_t)m->base;
        for (uint64_t at = 0; result == CUDA_SUCCESS && at < m->size; at++)
            if (device_copy[at] != m->shadow[at])
                host[at] = m->shadow[at] = device_copy[at];
        free(device_copy);
    }
    /* Only a wait for the whole device says no work is left that could still write; after a wait
     * for one stream or event, work elsewhere may, and the next wait looks again. */
    if (result == CUDA_SUCCESS && whole_device)
        device_work_since_pull = 0;
    pthread_mutex_unlock(&lock);
    return result;
}

DRIVER_API CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr *device_pointer, void *pointer, unsigned int flags)
{
    if (device_pointer == NULL || flags != 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    driver_range range;
    if (!driver_ranges_find(driver_address(pointer), &range) || !driver_mapped_is_mirror(&range))
        return CUDA_ERROR_INVALID_VALUE; /* not mapped memory, as the driver answers for plain pinned memory */
    *device_pointer = driver_address(pointer);
    return CUDA_SUCCESS;
}
DRIVER_API CUresult cuMemHostGetDevicePointer(CUdeviceptr *device_pointer, void *pointer, unsigned int flags)
{
    return cuMemHostGetDevicePointer_v2(device_pointer, pointer, flags);
}
