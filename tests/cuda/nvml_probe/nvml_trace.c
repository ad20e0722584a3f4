/*
 * nvml_trace: a libnvidia-ml.so.1 (x86-64) that forwards every call to NVIDIA's library unchanged and logs
 * what the program asked of it, to learn what NVIDIA's nvidia-smi needs from NVML (docs/nvml.md, "Why
 * nvidia-smi does not run yet, and the probe"). An experiment tool for the GPU host, not part of Orion.
 *
 *  - Every export of data/nvml-580-exports.txt: an assembly stub (gen_stubs.sh) that counts the call, logs
 *    its first calls (in order, with the first four argument registers and the caller) and jumps to NVIDIA's
 *    function with registers and stack untouched.
 *  - In C, with known signatures: nvmlInit, _v2, WithFlags, nvmlShutdown, the nvmlSystemGet*Version
 *    functions and nvmlSystemGetDriverBranch (their answers), nvmlErrorString, nvmlDeviceGetCount (_v2),
 *    and nvmlInternalGetExportTable: the UUID asked for, the answer, the table's fields (each classified:
 *    code or data of NVIDIA's library, with its offset and nearest symbol, or a plain value); the caller
 *    gets a copy in which each code field is a logging trampoline.
 *
 * Environment:
 *   ORION_REAL_NVML          the library to forward to (default /usr/local/nvidia/lib64/libnvidia-ml.so.1)
 *   NVML_TRACE_FILE          the log (appended to; default /tmp/nvml-trace.PID.log)
 *   NVML_TRACE_FIRST         how many calls of each export or table slot are logged (default 3); all are counted
 *   NVML_TRACE_RESULTS=1     the logged calls are called rather than jumped to, so their result is logged too
 *                            (the callee then sees a return address inside this library)
 *   NVML_TRACE_WRAP=0        hand out NVIDIA's tables themselves (still dumped), no trampolines
 *   NVML_TRACE_DENY_TABLES   "all", or UUID prefixes in hex separated by commas: those requests answer
 *                            NVML_TRACE_DENY_RC (default 3, NVML_ERROR_NOT_SUPPORTED, as Orion's library does)
 *                            without asking NVIDIA's library
 *   NVML_TRACE_UUID_ARG      1 or 2: which argument of nvmlInternalGetExportTable is the UUID when that cannot
 *                            be told from the call (default 2, as cuGetExportTable(const void **, const CUuuid *))
 *   NVML_TRACE_MAX_FIELDS    fields read of a table whose first field is no plausible byte size (default 64)
 *   NVML_TRACE_DEEPBIND=0    load NVIDIA's library without RTLD_DEEPBIND (then its own calls to its exports,
 *                            if it makes any through the dynamic linker, come through here and are logged)
 * Log lines: "call SEQ NAME #N ...", "slotcall SEQ T<t>:<uuid8>:<k> #N ...", "ret SEQ ...", "version ...",
 * "table T<t> uuid ... rc ...", "  field ...", "count NAME N" and "end" at exit.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

#include "nvml_stubs.S.h"

#define HIDDEN __attribute__((visibility("hidden")))
#define EXPORT __attribute__((visibility("default")))
#define INDEX_COUNT (TRACE_EXPORT_COUNT + TRACE_SLOT_COUNT)
#define TABLE_LIMIT 64
#define SHADOW_DEPTH 64
#define NVML_UNKNOWN 999

/* Shared with the assembly (gen_stubs.sh). */
HIDDEN uint64_t trace_count[INDEX_COUNT];
HIDDEN void *trace_real[INDEX_COUNT];
HIDDEN uint64_t trace_first = 3;
extern HIDDEN void *const trace_slot_entry[TRACE_SLOT_COUNT];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static void *real;
static char real_path[PATH_MAX];
static int started, results_on, wrap_on = 1, uuid_arg = 2, max_fields = 64, deny_rc = 3;
static const char *deny;
static uint64_t sequence;
static int slots_used;
static char slot_label[TRACE_SLOT_COUNT][40];

/* NVIDIA's library in this process: its mappings, from /proc/self/maps. */
static struct range { uintptr_t lo, hi; int code; } ranges[32];
static int range_count;
static uintptr_t real_base;

struct table {
    unsigned char uuid[16];
    const void *original;
    void **copy;
    int fields;
};
static struct table tables[TABLE_LIMIT];
static int table_count;

static void logf_locked(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void logf_locked(const char *format, ...)
{
    if (!out)
        return;
    va_list args;
    va_start(args, format);
    vfprintf(out, format, args);
    va_end(args);
}

static void flush_locked(void)
{
    if (out)
        fflush(out);
}

/* Reads n bytes at addr without faulting: 0 when any of them is not readable. */
static int safe_read(const void *addr, void *buffer, size_t n)
{
    static pthread_mutex_t pipe_lock = PTHREAD_MUTEX_INITIALIZER;
    static int fds[2] = {-1, -1};
    if ((uintptr_t)addr < 4096)
        return 0;
    struct iovec local = {buffer, n}, remote = {(void *)addr, n};
    ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
    if (got == (ssize_t)n)
        return 1;
    if (got >= 0 || errno == EFAULT)
        return 0;
    /* process_vm_readv refused (seccomp): a pipe's write checks the memory instead of faulting. */
    pthread_mutex_lock(&pipe_lock);
    int ok = 0;
    if (fds[0] < 0 && pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0)
        fds[0] = fds[1] = -1;
    if (fds[0] >= 0 && n <= 4096) {
        ssize_t wrote = write(fds[1], addr, n);
        if (wrote > 0) {
            char drain[4096];
            ssize_t back = read(fds[0], drain, (size_t)wrote);
            if (wrote == (ssize_t)n && back == wrote)
                memcpy(buffer, drain, n), ok = 1;
        }
    }
    pthread_mutex_unlock(&pipe_lock);
    return ok;
}

static int looks_like_pointer(uint64_t v)
{
    return v >= 0x10000 && v < 0x800000000000ULL;
}

static const struct range *real_range(const void *p)
{
    for (int i = 0; i < range_count; i++)
        if ((uintptr_t)p >= ranges[i].lo && (uintptr_t)p < ranges[i].hi)
            return &ranges[i];
    return NULL;
}

/* "code real+0x1234 (sym+0x10)", "data real+0x...", "libc.so.6+0x... (sym+0x..)" or "" for a plain value. */
static void describe(const void *p, char *text, size_t size)
{
    const struct range *r = real_range(p);
    Dl_info info;
    int found = looks_like_pointer((uint64_t)(uintptr_t)p) && dladdr(p, &info) && info.dli_fname;
    char symbol[160] = "";
    if (found && info.dli_sname)
        snprintf(symbol, sizeof symbol, " (%s+0x%lx)", info.dli_sname, (unsigned long)((uintptr_t)p - (uintptr_t)info.dli_saddr));
    if (r)
        snprintf(text, size, "%s real+0x%lx%s", r->code ? "code" : "data", (unsigned long)((uintptr_t)p - real_base), symbol);
    else if (found) {
        const char *base = strrchr(info.dli_fname, '/');
        snprintf(text, size, "%s+0x%lx%s", base ? base + 1 : info.dli_fname,
                 (unsigned long)((uintptr_t)p - (uintptr_t)info.dli_fbase), symbol);
    } else
        text[0] = '\0';
}

/* Logs "  LABEL: 32 bytes in hex | ascii" when p points to readable memory. */
static void dump_locked(const char *label, uint64_t p, size_t n)
{
    unsigned char bytes[128];
    if (n > sizeof bytes)
        n = sizeof bytes;
    const struct range *r = real_range((const void *)(uintptr_t)p);
    if (!looks_like_pointer(p) || (r && r->code) || !safe_read((const void *)(uintptr_t)p, bytes, n))
        return;
    logf_locked("  %s @0x%llx:", label, (unsigned long long)p);
    for (size_t i = 0; i < n; i++)
        logf_locked("%s%02x", i % 8 == 0 ? " " : "", bytes[i]);
    logf_locked(" |");
    for (size_t i = 0; i < n; i++)
        logf_locked("%c", bytes[i] >= 32 && bytes[i] < 127 ? bytes[i] : '.');
    logf_locked("|\n");
}

static void read_ranges(void)
{
    FILE *maps = fopen("/proc/self/maps", "r");
    char line[PATH_MAX + 128];
    if (!maps)
        return;
    range_count = 0;
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi, offset;
        char perms[8];
        int path_at = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %n", &lo, &hi, perms, &offset, &path_at) < 4 || path_at == 0)
            continue;
        char *path = line + path_at;
        path[strcspn(path, "\n")] = '\0';
        if (strstr(path, "nvidia-ml") || strstr(path, "libcuda") || strcmp(path, real_path) == 0)
            logf_locked("map %s", line), logf_locked("\n");
        if (strcmp(path, real_path) != 0 || range_count >= 32)
            continue;
        ranges[range_count].lo = lo, ranges[range_count].hi = hi, ranges[range_count].code = perms[2] == 'x';
        if (offset == 0 && (real_base == 0 || lo < real_base))
            real_base = lo;
        range_count++;
    }
    fclose(maps);
}

static int unresolved_call(void)
{
    return NVML_UNKNOWN;
}

static void start(void)
{
    if (__atomic_exchange_n(&started, 1, __ATOMIC_ACQ_REL))
        return;
    const char *env;
    if ((env = getenv("NVML_TRACE_FIRST")) && *env)
        trace_first = strtoull(env, NULL, 10);
    results_on = (env = getenv("NVML_TRACE_RESULTS")) && env[0] == '1';
    wrap_on = !((env = getenv("NVML_TRACE_WRAP")) && env[0] == '0');
    if ((env = getenv("NVML_TRACE_UUID_ARG")) && env[0] == '1')
        uuid_arg = 1;
    if ((env = getenv("NVML_TRACE_MAX_FIELDS")) && atoi(env) > 0)
        max_fields = atoi(env) > 512 ? 512 : atoi(env);
    if ((env = getenv("NVML_TRACE_DENY_RC")) && *env)
        deny_rc = atoi(env);
    deny = getenv("NVML_TRACE_DENY_TABLES");
    if (deny && !*deny)
        deny = NULL;
    int deepbind = !((env = getenv("NVML_TRACE_DEEPBIND")) && env[0] == '0');

    char name[PATH_MAX];
    const char *file = getenv("NVML_TRACE_FILE");
    if (!file || !*file) {
        snprintf(name, sizeof name, "/tmp/nvml-trace.%d.log", (int)getpid());
        file = name;
    }
    out = fopen(file, "ae");
    if (!out)
        out = stderr;

    const char *path = getenv("ORION_REAL_NVML");
    if (!path || !*path)
        path = "/usr/local/nvidia/lib64/libnvidia-ml.so.1";
    if (!realpath(path, real_path))
        snprintf(real_path, sizeof real_path, "%s", path);
    char exe[PATH_MAX] = "?";
    ssize_t exe_length = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (exe_length > 0)
        exe[exe_length] = '\0';
    pthread_mutex_lock(&lock);
    logf_locked("start pid %d exe %s real %s (%s) deepbind %d first %llu results %d wrap %d deny %s\n", (int)getpid(), exe,
                path, real_path, deepbind, (unsigned long long)trace_first, results_on, wrap_on, deny ? deny : "-");
    flush_locked();
    pthread_mutex_unlock(&lock);

    void *handle = dlopen(path, RTLD_LAZY | RTLD_LOCAL | (deepbind ? RTLD_DEEPBIND : 0));
    pthread_mutex_lock(&lock);
    if (!handle) {
        logf_locked("dlopen FAILED %s: %s\n", path, dlerror());
        fprintf(stderr, "nvml_trace: cannot load %s\n", path);
    } else {
        int missing = 0;
        for (int i = 0; i < TRACE_EXPORT_COUNT; i++) {
            void *fn = dlsym(handle, trace_export_names[i]);
            if (!fn)
                logf_locked("%s %s", missing++ ? "" : "missing:", trace_export_names[i]);
            __atomic_store_n(&trace_real[i], fn, __ATOMIC_RELEASE);
        }
        if (missing)
            logf_locked("\n");
        real = handle;
        read_ranges();
        logf_locked("loaded base 0x%lx ranges %d missing %d of %d exports\n", (unsigned long)real_base, range_count, missing,
                    TRACE_EXPORT_COUNT);
    }
    flush_locked();
    pthread_mutex_unlock(&lock);
}

__attribute__((constructor)) static void trace_constructor(void)
{
    start();
}

static int index_of(const char *name)
{
    for (int i = 0; i < TRACE_EXPORT_COUNT; i++)
        if (strcmp(trace_export_names[i], name) == 0)
            return i;
    return -1;
}

static const char *label_of(unsigned index, char *text, size_t size)
{
    if (index < TRACE_EXPORT_COUNT)
        return trace_export_names[index];
    snprintf(text, size, "%s", slot_label[index - TRACE_EXPORT_COUNT]);
    return text;
}

/* What to call for index: NVIDIA's function, or unresolved_call (logged once). */
static void *target_of(unsigned index)
{
    if (!started)
        start();
    void *fn = __atomic_load_n(&trace_real[index], __ATOMIC_ACQUIRE);
    if (fn)
        return fn;
    if (index < TRACE_EXPORT_COUNT && real) {
        fn = dlsym(real, trace_export_names[index]);
        if (fn) {
            __atomic_store_n(&trace_real[index], fn, __ATOMIC_RELEASE);
            return fn;
        }
    }
    static unsigned char said[INDEX_COUNT];
    if (!__atomic_exchange_n(&said[index], 1, __ATOMIC_ACQ_REL)) {
        char text[64];
        pthread_mutex_lock(&lock);
        logf_locked("unresolved %s (answered %d)\n", label_of(index, text, sizeof text), NVML_UNKNOWN);
        flush_locked();
        pthread_mutex_unlock(&lock);
    }
    return (void *)unresolved_call;
}

/* The caller's position, for the log: "nvidia-smi+0x1234". */
static void caller_text(const void *return_address, char *text, size_t size)
{
    describe(return_address, text, size);
    if (!text[0])
        snprintf(text, size, "0x%lx", (unsigned long)(uintptr_t)return_address);
}

/* A C wrapper's call: counted, its first calls logged; answers the call's sequence number (0: not logged). */
static uint64_t note_call(int index, const void *return_address)
{
    if (!started)
        start();
    if (index < 0)
        return 0;
    uint64_t n = __atomic_add_fetch(&trace_count[index], 1, __ATOMIC_RELAXED);
    if (n > trace_first)
        return 0;
    char caller[256];
    caller_text(return_address, caller, sizeof caller);
    pthread_mutex_lock(&lock);
    uint64_t seq = ++sequence;
    logf_locked("call %llu %s #%llu from %s\n", (unsigned long long)seq, trace_export_names[index], (unsigned long long)n, caller);
    flush_locked();
    pthread_mutex_unlock(&lock);
    return seq;
}

/* The per-thread shadow stack of NVML_TRACE_RESULTS: the caller's return address, from trace_slow to trace_leave. */
static __thread struct frame {
    void *return_address;
    unsigned index;
    uint64_t seq;
    uint64_t arguments[4];
} shadow[SHADOW_DEPTH];
static __thread int shadow_depth;

struct destination {
    void *to;
    uint64_t call;
};

/* From trace_dispatch, for a call to log or whose target is not known yet. registers: the caller's r11, r9,
 * r8, rcx, rdx, rsi, rdi, rax. */
HIDDEN struct destination trace_slow(unsigned index, void *return_address, const uint64_t *registers)
{
    struct destination d = {target_of(index), 0};
    uint64_t n = __atomic_load_n(&trace_count[index], __ATOMIC_RELAXED);
    if (n > trace_first)
        return d;
    const uint64_t rdi = registers[6], rsi = registers[5], rdx = registers[4], rcx = registers[3];
    char caller[256], text[64];
    caller_text(return_address, caller, sizeof caller);
    int slot = index >= TRACE_EXPORT_COUNT;
    pthread_mutex_lock(&lock);
    uint64_t seq = ++sequence;
    logf_locked("%s %llu %s #%llu rdi=0x%llx rsi=0x%llx rdx=0x%llx rcx=0x%llx r8=0x%llx r9=0x%llx from %s\n",
                slot ? "slotcall" : "call", (unsigned long long)seq, label_of(index, text, sizeof text), (unsigned long long)n,
                (unsigned long long)rdi, (unsigned long long)rsi, (unsigned long long)rdx, (unsigned long long)rcx,
                (unsigned long long)registers[2], (unsigned long long)registers[1], caller);
    if (slot) {
        /* What the arguments point to before the call (a version or a structure the caller hands in). */
        dump_locked("rdi", rdi, 32), dump_locked("rsi", rsi, 32), dump_locked("rdx", rdx, 32), dump_locked("rcx", rcx, 32);
    }
    flush_locked();
    pthread_mutex_unlock(&lock);
    if (results_on && d.to != (void *)unresolved_call && shadow_depth < SHADOW_DEPTH) {
        struct frame *f = &shadow[shadow_depth++];
        f->return_address = return_address, f->index = index, f->seq = seq;
        f->arguments[0] = rdi, f->arguments[1] = rsi, f->arguments[2] = rdx, f->arguments[3] = rcx;
        d.call = 1;
    }
    return d;
}

/* After a call made by trace_dispatch (NVML_TRACE_RESULTS): logs the result, answers where to return. */
HIDDEN void *trace_leave(uint64_t result)
{
    struct frame f = shadow[--shadow_depth];
    char text[64];
    pthread_mutex_lock(&lock);
    logf_locked("ret %llu %s -> %d (0x%llx)\n", (unsigned long long)f.seq, label_of(f.index, text, sizeof text),
                (int)(uint32_t)result, (unsigned long long)result);
    static const char *const names[4] = {"rdi after", "rsi after", "rdx after", "rcx after"};
    for (int i = 0; i < 4; i++)
        dump_locked(names[i], f.arguments[i], 32);
    flush_locked();
    pthread_mutex_unlock(&lock);
    return f.return_address;
}

static void log_result(uint64_t seq, const char *name, int rc)
{
    if (!seq)
        return;
    pthread_mutex_lock(&lock);
    logf_locked("ret %llu %s -> %d\n", (unsigned long long)seq, name, rc);
    flush_locked();
    pthread_mutex_unlock(&lock);
}

#define INDEX(name)                                                                                                    \
    static int index_##name = -2;                                                                                      \
    if (index_##name == -2)                                                                                            \
        index_##name = index_of(#name);
#define TARGET(name, type) ((type)(index_##name >= 0 ? target_of((unsigned)index_##name) : (void *)unresolved_call))
#define CALLER __builtin_return_address(0)

/* ---- initialization and counts ---- */

#define NO_ARGUMENT_CALL(name)                                                                                         \
    EXPORT int name(void)                                                                                              \
    {                                                                                                                  \
        INDEX(name);                                                                                                   \
        uint64_t seq = note_call(index_##name, CALLER);                                                                \
        int rc = TARGET(name, int (*)(void))();                                                                        \
        log_result(seq, #name, rc);                                                                                    \
        return rc;                                                                                                     \
    }
NO_ARGUMENT_CALL(nvmlInit)
NO_ARGUMENT_CALL(nvmlInit_v2)
NO_ARGUMENT_CALL(nvmlShutdown)

EXPORT int nvmlInitWithFlags(unsigned int flags)
{
    INDEX(nvmlInitWithFlags);
    uint64_t seq = note_call(index_nvmlInitWithFlags, CALLER);
    int rc = TARGET(nvmlInitWithFlags, int (*)(unsigned int))(flags);
    if (seq) {
        pthread_mutex_lock(&lock);
        logf_locked("ret %llu nvmlInitWithFlags(flags=0x%x) -> %d\n", (unsigned long long)seq, flags, rc);
        flush_locked();
        pthread_mutex_unlock(&lock);
    }
    return rc;
}

#define COUNT_CALL(name)                                                                                               \
    EXPORT int name(unsigned int *count)                                                                               \
    {                                                                                                                  \
        INDEX(name);                                                                                                   \
        uint64_t seq = note_call(index_##name, CALLER);                                                                \
        int rc = TARGET(name, int (*)(unsigned int *))(count);                                                         \
        if (seq) {                                                                                                     \
            pthread_mutex_lock(&lock);                                                                                 \
            logf_locked("ret %llu " #name " -> %d count %d\n", (unsigned long long)seq, rc,                            \
                        rc == 0 && count ? (int)*count : -1);                                                          \
            flush_locked();                                                                                            \
            pthread_mutex_unlock(&lock);                                                                               \
        }                                                                                                              \
        return rc;                                                                                                     \
    }
COUNT_CALL(nvmlDeviceGetCount)
COUNT_CALL(nvmlDeviceGetCount_v2)

/* ---- versions ---- */

#define STRING_VERSION(name)                                                                                           \
    EXPORT int name(char *version, unsigned int length)                                                                \
    {                                                                                                                  \
        INDEX(name);                                                                                                   \
        note_call(index_##name, CALLER);                                                                               \
        int rc = TARGET(name, int (*)(char *, unsigned int))(version, length);                                         \
        pthread_mutex_lock(&lock);                                                                                     \
        logf_locked("version " #name "(length %u) -> %d \"%.*s\"\n", length, rc,                                       \
                    rc == 0 && version ? (int)strnlen(version, length) : 0, rc == 0 && version ? version : "");        \
        flush_locked();                                                                                                \
        pthread_mutex_unlock(&lock);                                                                                   \
        return rc;                                                                                                     \
    }
STRING_VERSION(nvmlSystemGetDriverVersion)
STRING_VERSION(nvmlSystemGetNVMLVersion)

#define INT_VERSION(name)                                                                                              \
    EXPORT int name(int *version)                                                                                      \
    {                                                                                                                  \
        INDEX(name);                                                                                                   \
        note_call(index_##name, CALLER);                                                                               \
        int rc = TARGET(name, int (*)(int *))(version);                                                                \
        pthread_mutex_lock(&lock);                                                                                     \
        logf_locked("version " #name " -> %d %d\n", rc, rc == 0 && version ? *version : -1);                           \
        flush_locked();                                                                                                \
        pthread_mutex_unlock(&lock);                                                                                   \
        return rc;                                                                                                     \
    }
INT_VERSION(nvmlSystemGetCudaDriverVersion)
INT_VERSION(nvmlSystemGetCudaDriverVersion_v2)

/* nvmlSystemGetDriverBranch(nvmlSystemDriverBranchInfo_t *info, unsigned int length): the structure dumped raw. */
EXPORT int nvmlSystemGetDriverBranch(void *info, unsigned int length, void *third, void *fourth, void *fifth, void *sixth)
{
    INDEX(nvmlSystemGetDriverBranch);
    note_call(index_nvmlSystemGetDriverBranch, CALLER);
    uint32_t version_field = 0;
    int have_version = info && safe_read(info, &version_field, sizeof version_field);
    int rc = TARGET(nvmlSystemGetDriverBranch, int (*)(void *, unsigned int, void *, void *, void *, void *))(info, length, third,
                                                                                                           fourth, fifth, sixth);
    pthread_mutex_lock(&lock);
    logf_locked("version nvmlSystemGetDriverBranch(length %u, first word in 0x%x) -> %d\n", length,
                have_version ? version_field : 0, rc);
    dump_locked("info after", (uint64_t)(uintptr_t)info, 96);
    flush_locked();
    pthread_mutex_unlock(&lock);
    return rc;
}

EXPORT const char *nvmlErrorString(int result)
{
    INDEX(nvmlErrorString);
    uint64_t seq = note_call(index_nvmlErrorString, CALLER);
    void *fn = index_nvmlErrorString >= 0 ? target_of((unsigned)index_nvmlErrorString) : (void *)unresolved_call;
    const char *text = fn != (void *)unresolved_call ? ((const char *(*)(int))fn)(result) : "nvml_trace: nvmlErrorString unresolved";
    /* Always logged: the program may be about to print it. */
    pthread_mutex_lock(&lock);
    logf_locked("errorstring %llu %d -> \"%s\"\n", (unsigned long long)seq, result, text ? text : "(null)");
    flush_locked();
    pthread_mutex_unlock(&lock);
    return text;
}

/* ---- the private export table ---- */

static void hex16(const unsigned char *bytes, char *text)
{
    for (int i = 0; i < 16; i++)
        sprintf(text + 2 * i, "%02x", bytes[i]);
}

static int denied(const char *uuid_hex)
{
    if (!deny)
        return 0;
    if (strcmp(deny, "all") == 0)
        return 1;
    const char *p = deny;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n > 0 && n <= 32 && strncasecmp(p, uuid_hex, n) == 0)
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Logs table's fields and builds the copy handed out (lock held). */
static int known_table(const unsigned char *uuid, const void *original)
{
    for (int i = 0; i < table_count; i++)
        if (memcmp(tables[i].uuid, uuid, 16) == 0 && tables[i].original == original)
            return i;
    return -1;
}

static struct table *take_table(const unsigned char *uuid, const char *uuid_hex, const void *original)
{
    int known = known_table(uuid, original);
    if (known >= 0) {
        logf_locked("  the same table as T%d\n", known);
        return &tables[known];
    }
    if (table_count >= TABLE_LIMIT) {
        logf_locked("  more than %d tables: handed out as is\n", TABLE_LIMIT);
        return NULL;
    }
    int t = table_count;
    uint64_t head = 0;
    if (!safe_read(original, &head, sizeof head)) {
        logf_locked("  T%d: its first field is not readable\n", t);
        return NULL;
    }
    int sized = head > 0 && head <= 4096 && head % 8 == 0;
    int declared = sized ? (int)(head / 8) : max_fields;
    /* Read at least max_fields (when readable) even past a declared size: should the first field be no size
     * after all, the caller still finds NVIDIA's values in the copy. */
    int want = declared > max_fields ? declared : max_fields;
    uint64_t *fields = calloc((size_t)want, sizeof *fields);
    int readable = 0;
    if (!fields)
        return NULL;
    if (safe_read(original, fields, (size_t)want * 8))
        readable = want;
    else
        while (readable < want && safe_read((const char *)original + 8 * readable, &fields[readable], 8))
            readable++;
    struct table *table = &tables[t];
    table_count++;
    memcpy(table->uuid, uuid, 16);
    table->original = original;
    table->fields = readable;
    table->copy = (void **)fields;
    logf_locked("  T%d head 0x%llx (%s) fields %d readable %d\n", t, (unsigned long long)head,
                sized ? "plausible byte size" : "no plausible byte size", declared, readable);
    for (int k = 0; k < readable; k++) {
        char text[256];
        uint64_t v = fields[k];
        describe((const void *)(uintptr_t)v, text, sizeof text);
        const struct range *r = real_range((const void *)(uintptr_t)v);
        int past = k >= declared;
        char wrapped[48] = "";
        if (r && r->code && wrap_on && !past) {
            if (slots_used < TRACE_SLOT_COUNT) {
                int s = slots_used++;
                snprintf(slot_label[s], sizeof slot_label[s], "T%d:%.8s:%d", t, uuid_hex, k);
                __atomic_store_n(&trace_real[TRACE_EXPORT_COUNT + s], (void *)(uintptr_t)v, __ATOMIC_RELEASE);
                fields[k] = (uint64_t)(uintptr_t)trace_slot_entry[s];
                snprintf(wrapped, sizeof wrapped, " -> traced as T%d:%.8s:%d", t, uuid_hex, k);
            } else
                snprintf(wrapped, sizeof wrapped, " (no trampoline left)");
        }
        logf_locked("  field %d%s 0x%llx %s%s\n", k, past ? " (past size)" : "", (unsigned long long)v,
                    text[0] ? text : "value", wrapped);
        if (!(r && r->code) && text[0] && !past)
            dump_locked("points to", v, 32);
    }
    return table;
}

/* Declared with six register arguments, all forwarded: should NVIDIA's take more than two, they arrive too. */
EXPORT int nvmlInternalGetExportTable(void *first, void *second, void *third, void *fourth, void *fifth, void *sixth)
{
    INDEX(nvmlInternalGetExportTable);
    note_call(index_nvmlInternalGetExportTable, CALLER);
    unsigned char before_first[16], before_second[16];
    int had_first = safe_read(first, before_first, 16), had_second = safe_read(second, before_second, 16);
    char first_hex[33] = "-", second_hex[33] = "-", caller[256];
    if (had_first)
        hex16(before_first, first_hex);
    if (had_second)
        hex16(before_second, second_hex);
    caller_text(CALLER, caller, sizeof caller);

    /* The UUID as assumed before the call (for NVML_TRACE_DENY_TABLES). */
    const char *assumed_hex = uuid_arg == 2 ? second_hex : first_hex;
    if (denied(assumed_hex)) {
        pthread_mutex_lock(&lock);
        logf_locked("table denied uuid %s (argument %d) arg1=%p [%s] arg2=%p [%s] arg3=%p arg4=%p -> %d from %s\n", assumed_hex,
                    uuid_arg, first, first_hex, second, second_hex, third, fourth, deny_rc, caller);
        flush_locked();
        pthread_mutex_unlock(&lock);
        return deny_rc;
    }

    int rc = TARGET(nvmlInternalGetExportTable, int (*)(void *, void *, void *, void *, void *, void *))(first, second, third,
                                                                                                         fourth, fifth, sixth);

    /* Which argument received the table: the one whose first 8 bytes changed. */
    unsigned char after_first[8], after_second[8];
    int changed_first = had_first && safe_read(first, after_first, 8) && memcmp(after_first, before_first, 8) != 0;
    int changed_second = had_second && safe_read(second, after_second, 8) && memcmp(after_second, before_second, 8) != 0;
    int table_arg;
    const char *how;
    if (changed_first && !changed_second)
        table_arg = 1, how = "inferred";
    else if (changed_second && !changed_first)
        table_arg = 2, how = "inferred";
    else
        table_arg = uuid_arg == 2 ? 1 : 2, how = "assumed";
    const unsigned char *uuid = table_arg == 1 ? before_second : before_first;
    int have_uuid = table_arg == 1 ? had_second : had_first;
    static const unsigned char no_uuid[16];
    if (!have_uuid)
        uuid = no_uuid;
    char uuid_hex[33];
    hex16(uuid, uuid_hex);
    void **table_out = (void **)(table_arg == 1 ? first : second);
    const void *original = NULL;
    if (rc == 0 && table_out)
        safe_read(table_out, &original, sizeof original);

    pthread_mutex_lock(&lock);
    int t = rc == 0 && original ? known_table(uuid, original) : -1;
    if (t < 0)
        t = table_count;
    logf_locked("table T%d uuid %s rc %d table %p arg1=%p [%s] arg2=%p [%s] table-argument %d (%s) uuid_arg=%d arg3=%p arg4=%p "
                "from %s\n", t, uuid_hex, rc, original, first, first_hex, second, second_hex, table_arg, how, 3 - table_arg, third,
                fourth, caller);
    if (rc == 0 && original) {
        struct table *table = take_table(uuid, uuid_hex, original);
        if (table && wrap_on && table->copy)
            *table_out = table->copy;
    }
    flush_locked();
    pthread_mutex_unlock(&lock);
    return rc;
}

__attribute__((destructor)) static void trace_destructor(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < TRACE_EXPORT_COUNT; i++)
        if (trace_count[i])
            logf_locked("count %s %llu\n", trace_export_names[i], (unsigned long long)trace_count[i]);
    for (int s = 0; s < slots_used; s++)
        if (trace_count[TRACE_EXPORT_COUNT + s])
            logf_locked("count %s %llu\n", slot_label[s], (unsigned long long)trace_count[TRACE_EXPORT_COUNT + s]);
    logf_locked("end pid %d\n", (int)getpid());
    flush_locked();
    pthread_mutex_unlock(&lock);
}
