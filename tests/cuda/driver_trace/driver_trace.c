/*
 * driver_trace: a libcuda.so.1 that forwards every call to NVIDIA's driver and records what the
 * program asked of it, to learn what NVIDIA's runtime and libraries need from a driver:
 *  - how often each exported function was called (through the symbol or through an entry point
 *    that cuGetProcAddress returned);
 *  - every cuGetProcAddress request (name, CUDA version, flags) and what it resolved to;
 *  - every cuGetExportTable request (the table's UUID, its layout) and how often each slot of
 *    each table was called.
 * It is an experiment tool for the GPU host, not part of Orion's front end.
 *
 * Environment: DRIVER_TRACE_REAL (NVIDIA's libcuda.so.1, default /usr/local/nvidia/lib64/...),
 * DRIVER_TRACE_OUT (report file prefix; the pid is appended), DRIVER_TRACE_WRAP_TABLES=0 to hand
 * out NVIDIA's tables untouched (only their UUIDs are recorded), DRIVER_TRACE_KEEP=<uuid heads>
 * to leave only those tables untouched, DRIVER_TRACE_CALLS=1 to record every call in order with
 * its result (DRIVER_TRACE_CALLS=slots: only private-table slots, with their first four arguments;
 * "call <name> -> <result>", up to DRIVER_TRACE_CALL_LIMIT lines, default 200000): run
 * once over NVIDIA's driver and once over Orion's (DRIVER_TRACE_REAL) and the first difference
 * shows where a library stops.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const export_names[] = {
#include "trampolines.S.names.h"
};
#define EXPORT_COUNT (sizeof export_names / sizeof export_names[0])
#define SLOT_COUNT 4096
#define TABLE_LIMIT 64
#define TABLE_SLOTS_LIMIT 256

#define HIDDEN __attribute__((visibility("hidden")))
HIDDEN uint64_t trace_export_count[EXPORT_COUNT];
HIDDEN void *trace_export_real[EXPORT_COUNT];
HIDDEN uint64_t trace_slot_count[SLOT_COUNT];
HIDDEN void *trace_slot_real[SLOT_COUNT];
extern HIDDEN void *const trace_slot_entry[SLOT_COUNT];
static void *self;
HIDDEN unsigned char trace_calls_on;
/* Per slot: recorded through trace_call_recorded, or only counted (a plain jump that leaves the
 * caller's return address in place: the runtime's integrity check fails when its driver calls
 * return anywhere else). DRIVER_TRACE_QUIET lists tables counted only (default d4082055). */
HIDDEN unsigned char trace_slot_recorded[SLOT_COUNT];
static long call_lines_left;
static int slots_only, slots_recorded;

static void *real_driver;
static int (*real_get_proc_address_v2)(const char *, void **, int, uint64_t, int *);
static int (*real_get_proc_address)(const char *, void **, int, uint64_t);
static int (*real_get_export_table)(const void **, const unsigned char *);

/* Slots handed out: for an entry point (label = requested name) or a table slot. */
static struct slot_label { char text[96]; } slot_labels[SLOT_COUNT];
static int slots_used;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *report;

struct table { unsigned char uuid[16]; const void **original; void **copy; int slots; int first_slot; uint64_t head; };
static struct table tables[TABLE_LIMIT];
static int table_count;

/* Executable ranges of NVIDIA's driver, from /proc/self/maps: only code pointers get wrapped. */
static struct { uintptr_t lo, hi; } code_ranges[16];
static int code_range_count;

static void read_code_ranges(const char *path)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[512];
    if (!maps)
        return;
    char real_path[PATH_MAX];
    if (!realpath(path, real_path))
        snprintf(real_path, sizeof real_path, "%s", path);
    while (fgets(line, sizeof line, maps) && code_range_count < 16) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[2] == 'x' && strstr(line, real_path))
            code_ranges[code_range_count].lo = lo, code_ranges[code_range_count++].hi = hi;
    }
    fclose(maps);
}

static int is_driver_code(const void *p)
{
    for (int i = 0; i < code_range_count; i++)
        if ((uintptr_t)p >= code_ranges[i].lo && (uintptr_t)p < code_ranges[i].hi)
            return 1;
    return 0;
}

__attribute__((constructor)) static void trace_start(void)
{
    const char *path = getenv("DRIVER_TRACE_REAL");
    if (!path)
        path = "/usr/local/nvidia/lib64/libcuda.so.1";
    real_driver = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!real_driver) {
        fprintf(stderr, "driver_trace: cannot load %s: %s\n", path, dlerror());
        abort();
    }
    for (size_t i = 0; i < EXPORT_COUNT; i++)
        trace_export_real[i] = dlsym(real_driver, export_names[i]);
    real_get_proc_address_v2 = dlsym(real_driver, "cuGetProcAddress_v2");
    real_get_proc_address = dlsym(real_driver, "cuGetProcAddress");
    real_get_export_table = dlsym(real_driver, "cuGetExportTable");
    read_code_ranges(path);
    Dl_info info;
    if (dladdr((void *)trace_start, &info))
        self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
    char name[512];
    const char *prefix = getenv("DRIVER_TRACE_OUT");
    snprintf(name, sizeof name, "%s.%d", prefix ? prefix : "/tmp/driver-trace", (int)getpid());
    report = fopen(name, "w");
    if (!report)
        report = stderr;
    fprintf(report, "start pid %d code ranges %d\n", (int)getpid(), code_range_count);
    const char *calls = getenv("DRIVER_TRACE_CALLS");
    const char *limit = getenv("DRIVER_TRACE_CALL_LIMIT");
    call_lines_left = limit ? atol(limit) : 200000;
    /* "slots": only private-table slots are recorded, exports stay plain jumps. */
    slots_only = calls && strcmp(calls, "slots") == 0;
    trace_calls_on = calls && (calls[0] == '1' || slots_only);
    if (slots_only)
        trace_calls_on = 0, slots_recorded = 1;
}

/* The per-thread shadow stack of DRIVER_TRACE_CALLS: the caller's return address and what was
 * called, from trace_enter to trace_leave (see gen_trampolines.sh). */
#define SHADOW_DEPTH 64
static __thread struct shadow_frame { void *return_address; int index; uint64_t arguments[4]; } shadow[SHADOW_DEPTH];
static __thread int shadow_depth;

/* registers: the caller's r9, r8, rcx, rdx, rsi, rdi as trace_call_recorded pushed them. */
HIDDEN void *trace_enter(int index, void *return_address, const uint64_t *registers)
{
    if (shadow_depth >= SHADOW_DEPTH) {
        fprintf(stderr, "driver_trace: calls nested deeper than %d\n", SHADOW_DEPTH);
        abort();
    }
    shadow[shadow_depth].return_address = return_address;
    for (int i = 0; i < 4; i++)
        shadow[shadow_depth].arguments[i] = registers[5 - i]; /* rdi, rsi, rdx, rcx */
    shadow[shadow_depth++].index = index;
    void *target = index >= 1000000 ? trace_slot_real[index - 1000000] : trace_export_real[index];
    if (!target) {
        fprintf(stderr, "driver_trace: the real driver has no %s\n", index >= 1000000 ? "slot" : export_names[index]);
        abort();
    }
    return target;
}

HIDDEN void *trace_leave(uint64_t result)
{
    struct shadow_frame frame = shadow[--shadow_depth];
    pthread_mutex_lock(&lock);
    if (call_lines_left > 0) {
        call_lines_left--;
        if (frame.index >= 1000000)
            fprintf(report, "call %s(0x%llx, 0x%llx, 0x%llx, 0x%llx) -> 0x%llx\n", slot_labels[frame.index - 1000000].text,
                    (unsigned long long)frame.arguments[0], (unsigned long long)frame.arguments[1],
                    (unsigned long long)frame.arguments[2], (unsigned long long)frame.arguments[3], (unsigned long long)result);
        else
            fprintf(report, "call %s -> %d\n", export_names[frame.index], (int)(uint32_t)result);
        fflush(report);
    }
    pthread_mutex_unlock(&lock);
    return frame.return_address;
}

/* A new slot trampoline that forwards to target; label names it in the report. */
static void *wrap(void *target, const char *label)
{
    if (slots_used >= SLOT_COUNT)
        return target;
    int slot = slots_used++;
    trace_slot_real[slot] = target;
    const char *quiet = getenv("DRIVER_TRACE_QUIET");
    char table_head[16] = "";
    if (strncmp(label, "table:", 6) == 0)
        snprintf(table_head, sizeof table_head, "%.8s", label + 6);
    trace_slot_recorded[slot] = (trace_calls_on || slots_recorded) && !(table_head[0] && strstr(quiet ? quiet : "d4082055", table_head));
    snprintf(slot_labels[slot].text, sizeof slot_labels[slot].text, "%s", label);
    return trace_slot_entry[slot];
}

/* The exported trampoline whose real target is fn, so that calls count under the real name. */
static void *exported_for(void *fn, const char **name)
{
    for (size_t i = 0; i < EXPORT_COUNT; i++)
        if (trace_export_real[i] == fn) {
            *name = export_names[i];
            return dlsym(self, export_names[i]);
        }
    return NULL;
}

int cuGetProcAddress_v2(const char *symbol, void **pfn, int version, uint64_t flags, int *status);
int cuGetProcAddress(const char *symbol, void **pfn, int version, uint64_t flags);
int cuGetExportTable(const void **table, const unsigned char *uuid);

static void resolved(const char *symbol, void **pfn, int version, uint64_t flags, int status, int result)
{
    pthread_mutex_lock(&lock);
    const char *name = "?";
    if (result == 0 && *pfn == (void *)real_get_proc_address_v2) {
        *pfn = (void *)cuGetProcAddress_v2, name = "cuGetProcAddress_v2";
    } else if (result == 0 && *pfn == (void *)real_get_proc_address) {
        *pfn = (void *)cuGetProcAddress, name = "cuGetProcAddress";
    } else if (result == 0 && *pfn == (void *)real_get_export_table) {
        *pfn = (void *)cuGetExportTable, name = "cuGetExportTable";
    } else if (result == 0 && *pfn) {
        void *mine = exported_for(*pfn, &name);
        if (mine) {
            *pfn = mine;
        } else {
            char label[96];
            snprintf(label, sizeof label, "proc:%s", symbol);
            *pfn = wrap(*pfn, label);
            name = "(not exported)";
        }
    }
    fprintf(report, "proc %s version %d flags %llu -> result %d status %d %s\n", symbol, version,
            (unsigned long long)flags, result, status, name);
    fflush(report);
    pthread_mutex_unlock(&lock);
}

int cuGetProcAddress_v2(const char *symbol, void **pfn, int version, uint64_t flags, int *status)
{
    int local = -1;
    int result = real_get_proc_address_v2(symbol, pfn, version, flags, status ? status : &local);
    resolved(symbol, pfn, version, flags, status ? *status : local, result);
    return result;
}

int cuGetProcAddress(const char *symbol, void **pfn, int version, uint64_t flags)
{
    int result = real_get_proc_address(symbol, pfn, version, flags);
    resolved(symbol, pfn, version, flags, -1, result);
    return result;
}

int cuGetExportTable(const void **table, const unsigned char *uuid)
{
    int result = real_get_export_table(table, uuid);
    pthread_mutex_lock(&lock);
    fprintf(report, "table ");
    for (int i = 0; i < 16; i++)
        fprintf(report, "%02x", uuid[i]);
    fprintf(report, " -> result %d", result);
    if (result == 0 && *table) {
        const void **original = (const void **)*table;
        struct table *known = NULL;
        for (int i = 0; i < table_count; i++)
            if (memcmp(tables[i].uuid, uuid, 16) == 0)
                known = &tables[i];
        if (!known && table_count < TABLE_LIMIT) {
            known = &tables[table_count++];
            memcpy(known->uuid, uuid, 16);
            known->original = original;
            known->head = (uint64_t)(uintptr_t)original[0];
            /* Slot 0 of most tables is the table's size in bytes; otherwise every slot is code. */
            int sized = known->head < 4096 && known->head % 8 == 0 && known->head > 0;
            int count = sized ? (int)(known->head / 8) : 0;
            if (!sized)
                while (count < TABLE_SLOTS_LIMIT && is_driver_code(original[count]))
                    count++;
            known->slots = count;
            known->copy = calloc(count + 1, sizeof(void *));
            known->first_slot = slots_used;
            const char *wrap_tables = getenv("DRIVER_TRACE_WRAP_TABLES");
            /* DRIVER_TRACE_KEEP: tables (first 4 bytes of the UUID in hex) handed out untouched. */
            char uuid_head[9];
            snprintf(uuid_head, sizeof uuid_head, "%02x%02x%02x%02x", uuid[0], uuid[1], uuid[2], uuid[3]);
            const char *keep = getenv("DRIVER_TRACE_KEEP");
            if (keep && strstr(keep, uuid_head))
                wrap_tables = "0";
            for (int s = 0; s < count; s++) {
                void *entry = (void *)original[s];
                char label[96];
                snprintf(label, sizeof label, "table:%02x%02x%02x%02x:%d", uuid[0], uuid[1], uuid[2], uuid[3], s);
                int code = is_driver_code(entry);
                known->copy[s] = (!(wrap_tables && wrap_tables[0] == '0') && code) ? wrap(entry, label) : entry;
                fprintf(report, "\n  slot %d %s", s, code ? "code" : "data");
                if (!code)
                    fprintf(report, " 0x%llx", (unsigned long long)(uintptr_t)entry);
            }
        }
        if (known && known->copy)
            *table = (const void *)known->copy;
        fprintf(report, "\n  head 0x%llx slots %d", known ? (unsigned long long)known->head : 0ULL, known ? known->slots : 0);
    }
    fprintf(report, "\n");
    fflush(report);
    pthread_mutex_unlock(&lock);
    return result;
}

__attribute__((destructor)) static void trace_stop(void)
{
    if (!report)
        return;
    for (size_t i = 0; i < EXPORT_COUNT; i++)
        if (trace_export_count[i])
            fprintf(report, "calls %s %llu\n", export_names[i], (unsigned long long)trace_export_count[i]);
    for (int i = 0; i < slots_used; i++)
        if (trace_slot_count[i])
            fprintf(report, "calls %s %llu\n", slot_labels[i].text, (unsigned long long)trace_slot_count[i]);
    fprintf(report, "end\n");
    fflush(report);
}
