/*
 * Unified addressing on the client: a device address the server hands out is reserved in this
 * process too (an inaccessible mapping at the same address), so no host allocation of the program
 * can ever land there and a pointer always means one thing, to the program and to the front end's
 * own lookups. Reserving costs address space, not memory (PROT_NONE, no swap reserved).
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "driver_internal.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000 /* Linux 4.17 */
#endif

static uint64_t page_rounded(uint64_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t unit = page > 0 ? (uint64_t)page : 4096;
    return size > UINT64_MAX - unit ? 0 : (size + unit - 1) / unit * unit;
}

enum driver_reservation driver_reserve_device_range(uint64_t base, uint64_t size)
{
    uint64_t length = page_rounded(size == 0 ? 1 : size);
    if (length == 0 || base % 4096 != 0)
        return DRIVER_RANGE_UNRESERVED;
    void *wanted = (void *)(uintptr_t)base;
    void *got = mmap(wanted, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (got == wanted)
        return DRIVER_RANGE_RESERVED;
    if (got != MAP_FAILED) {
        /* A kernel without MAP_FIXED_NOREPLACE took the address as a hint: something is there. */
        munmap(got, length);
        return DRIVER_RANGE_COLLIDES;
    }
    /* EEXIST: the program's own memory is there. Anything else (an address past the top of user
     * space, as device addresses may be) cannot collide with host memory. */
    return errno == EEXIST ? DRIVER_RANGE_COLLIDES : DRIVER_RANGE_UNRESERVED;
}

void driver_release_device_range(uint64_t base, uint64_t size)
{
    uint64_t length = page_rounded(size == 0 ? 1 : size);
    if (length != 0)
        munmap((void *)(uintptr_t)base, length);
}
