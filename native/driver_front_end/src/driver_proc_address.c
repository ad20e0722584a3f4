/*
 * cuGetProcAddress: the implementation that matches a name, a CUDA version and the stream flag.
 * NVIDIA's runtime resolves every driver entry point this way (and never by symbol), so this is
 * what decides which generation of a function (cuMemAlloc or cuMemAlloc_v2, cuMemcpy or
 * cuMemcpy_ptds) a program calls. The table is generated from what NVIDIA's driver 580 answers
 * (tools/gen_proc_table.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "driver_proc_address.h"

struct proc_entry {
    const char *name;
    int flags; /* 1: legacy default stream, 2: per-thread default stream */
    int version;
    void (*implementation)(void);
};

#include "proc_table.h"

#define ENTRY_COUNT (sizeof proc_entries / sizeof proc_entries[0])

static int compare_name(const void *key, const void *element)
{
    return strcmp(key, ((const struct proc_entry *)element)->name);
}

int driver_newest_version(void) { return PROC_TABLE_NEWEST_VERSION; }

int driver_proc_lookup(const char *symbol, int version, uint64_t flags, void **function, int *status)
{
    *function = NULL;
    if (version > PROC_TABLE_NEWEST_VERSION) {
        /* NVIDIA's driver refuses a version newer than itself, without a status. */
        return CUDA_ERROR_INVALID_VALUE;
    }
    const struct proc_entry *hit = bsearch(symbol, proc_entries, ENTRY_COUNT, sizeof proc_entries[0], compare_name);
    /* NVIDIA's driver 580 answers an unknown name with success, a NULL function and the status
     * (observed on the GPU host); callers test the status or the pointer. */
    if (hit == NULL) {
        *status = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
        return CUDA_SUCCESS;
    }
    while (hit > proc_entries && strcmp(hit[-1].name, symbol) == 0)
        hit--;
    int wanted = (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) ? 2 : 1;
    const struct proc_entry *best = NULL;
    for (const struct proc_entry *entry = hit; entry < proc_entries + ENTRY_COUNT && strcmp(entry->name, symbol) == 0;
         entry++)
        if (entry->flags == wanted && entry->version <= version)
            best = entry; /* sorted by version: the last match is the newest the caller knows */
    if (best == NULL) {
        *status = CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT;
        return CUDA_SUCCESS;
    }
    *function = (void *)best->implementation;
    *status = CU_GET_PROC_ADDRESS_SUCCESS;
    return CUDA_SUCCESS;
}
