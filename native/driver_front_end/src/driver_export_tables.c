/*
 * cuGetExportTable: the private tables NVIDIA's runtime and libraries ask the driver for, by
 * UUID. Which tables are asked for, their sizes and which slots are called were recorded on the
 * GPU host against driver 580 (tests/cuda/driver_trace); the meaning of the slots that matter
 * comes from public projects (ZLUDA, Lupine, HAMi-core). Everything here is client-local:
 * module loads go through the front end like cuModuleLoadData, contexts are the front end's.
 *
 * A slot whose meaning is not known answers CUDA_ERROR_NOT_SUPPORTED and logs its table and
 * number once, so a program that needs it fails visibly rather than on a guessed answer.
 * Tables are static and never move: the integrity check hashes their addresses.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_context_storage.h"
#include "driver_handles.h"

CUresult driver_integrity_check(uint32_t version, uint64_t unix_seconds, uint64_t result[2],
                                const void *runtime_table, const void *integrity_table, const void *integrity_function);

static CUresult unknown_slot(const char *table, int slot, int *logged)
{
    if (!__atomic_exchange_n(logged, 1, __ATOMIC_RELAXED))
        driver_log(DRIVER_LOG_WARN, "slot %d of the driver's private table %s is not supported by Orion", slot, table);
    return CUDA_ERROR_NOT_SUPPORTED;
}

/* One stub per (table, slot), so that the log names the slot. */
#define DEFINE_UNKNOWN(tag, n)                                                                                     \
    __attribute__((unused)) static CUresult unknown_##tag##_##n(void)                                              \
    {                                                                                                              \
        static int logged;                                                                                         \
        return unknown_slot(#tag, n, &logged);                                                                     \
    }
#define ENTRY_UNKNOWN(tag, n) [n] = (void *)unknown_##tag##_##n,
#define FIRST_DECADE(X, tag) X(tag, 0) X(tag, 1) X(tag, 2) X(tag, 3) X(tag, 4) X(tag, 5) X(tag, 6) X(tag, 7) X(tag, 8) X(tag, 9)
#define DECADE(X, tag, d)                                                                                          \
    X(tag, d##0) X(tag, d##1) X(tag, d##2) X(tag, d##3) X(tag, d##4) X(tag, d##5) X(tag, d##6) X(tag, d##7)        \
        X(tag, d##8) X(tag, d##9)
#define HUNDRED(X, tag)                                                                                            \
    FIRST_DECADE(X, tag) DECADE(X, tag, 1) DECADE(X, tag, 2) DECADE(X, tag, 3) DECADE(X, tag, 4)                   \
        DECADE(X, tag, 5) DECADE(X, tag, 6) DECADE(X, tag, 7) DECADE(X, tag, 8) DECADE(X, tag, 9)

#define UNKNOWN_STUBS(tag)                                                                                         \
    HUNDRED(DEFINE_UNKNOWN, tag)                                                                                   \
    static void *const unknown_##tag[100] = {HUNDRED(ENTRY_UNKNOWN, tag)};

UNKNOWN_STUBS(runtime_interface_6bd5fb6c)
UNKNOWN_STUBS(callback_hooks_a094798c)
UNKNOWN_STUBS(tools_tls_42d85a81)
UNKNOWN_STUBS(context_checks_263e8860)
UNKNOWN_STUBS(integrity_d4082055)
UNKNOWN_STUBS(tools_context_21318c60)
UNKNOWN_STUBS(table_69a28e9f)
UNKNOWN_STUBS(table_1734dc26)
UNKNOWN_STUBS(module_walk_6e163fbe)

/* --- Runtime interface (6bd5fb6c-5bf4-e74a-8987-d93912fd9df9): module loads and the primary context. --- */

static CUresult load_from_wrapper(CUmodule *module, const void *wrapper)
{
    extern CUresult cuModuleLoadData(CUmodule *, const void *);
    return cuModuleLoadData(module, wrapper); /* the image reader follows a fat-binary wrapper */
}

static CUresult load_from_wrapper_with(CUmodule *module, const void *wrapper, void *first, void *second, uint32_t flags)
{
    if (first != NULL || second != NULL || flags != 0)
        DRIVER_NOT_SUPPORTED("loading a fat binary with link options through the runtime's private table");
    return load_from_wrapper(module, wrapper);
}

static CUresult load_from_fatbin_with(const void *fatbin, CUmodule *module, void *first, void *second, uint32_t flags)
{
    return load_from_wrapper_with(module, fatbin, first, second, flags);
}

/* The device's primary context, not retained (the runtime retains it itself afterwards). */
static CUresult primary_context(CUcontext *context, CUdevice device)
{
    if (context == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result == CUDA_SUCCESS)
        *context = driver_primary_context(device);
    return result;
}

static void ignore_size(size_t size) { (void)size; }
static CUresult nothing_to_load(void) { return CUDA_SUCCESS; }

static void *runtime_interface[13];

/* --- Tools callback hooks (a094798c-2e74-2e74-93f2-0800200c0a66): buffers the runtime fills in. --- */

/* Sized generously in bytes for what the runtime asks (1024 and 14 elements). */
static uint64_t hooks_buffer_2[1024], hooks_buffer_6[14];
static void hooks_slot_2(void **buffer, size_t *size)
{
    *buffer = hooks_buffer_2;
    *size = sizeof hooks_buffer_2 / sizeof hooks_buffer_2[0];
}
static void hooks_slot_6(void **buffer, size_t *size)
{
    *buffer = hooks_buffer_6;
    *size = sizeof hooks_buffer_6 / sizeof hooks_buffer_6[0];
}

static void *callback_hooks[7];

/* --- Tools TLS (42d85a81-23f6-cb47-8298-f6e78a3aecdc): the current context, as tools see it. --- */

static CUresult tools_set_current(CUcontext context)
{
    extern CUresult cuCtxSetCurrent(CUcontext);
    return cuCtxSetCurrent(context);
}

static CUresult tools_get_current(CUcontext *context)
{
    extern CUresult cuCtxGetCurrent(CUcontext *);
    return cuCtxGetCurrent(context);
}

static void *tools_tls[3];

/* --- Tools context (21318c60-9714-3248-8ca6-41ff7324c8f2), asked for by cuBLASLt: context and stream
 * identities. Slot meanings as public projects (Lupine) found them; the rest are logging stubs. --- */

static CUresult tools_context_device(CUcontext context, uint32_t *device)
{
    int ordinal;
    if (device == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_context_device(context, &ordinal);
    if (result == CUDA_SUCCESS)
        *device = (uint32_t)ordinal;
    return result;
}

static CUresult tools_context_id(CUcontext context, unsigned long long *id)
{
    extern CUresult cuCtxGetId(CUcontext, unsigned long long *);
    return cuCtxGetId(context, id);
}

/* A tools handle per stream: a zeroed block (callers may read it) that remembers its stream. The
 * default streams have fixed ones; a created stream gets one on first request, kept for its life. */
typedef struct tools_stream {
    unsigned char zeros[512];
    CUstream stream;
    struct tools_stream *next;
} tools_stream;

static tools_stream tools_legacy = {.stream = CU_STREAM_LEGACY}, tools_per_thread = {.stream = CU_STREAM_PER_THREAD};
static tools_stream *tools_streams;
static pthread_mutex_t tools_lock = PTHREAD_MUTEX_INITIALIZER;

static CUresult tools_stream_handle(CUcontext context, CUstream stream, tools_stream **handle, uint8_t per_thread)
{
    if (handle == NULL || stream == (CUstream)(uintptr_t)UINTPTR_MAX)
        return handle == NULL ? CUDA_ERROR_INVALID_VALUE : CUDA_ERROR_INVALID_HANDLE;
    if (stream == CU_STREAM_PER_THREAD || (stream == NULL && per_thread)) {
        *handle = &tools_per_thread;
        return CUDA_SUCCESS;
    }
    if (stream == NULL || stream == CU_STREAM_LEGACY) {
        *handle = &tools_legacy;
        return CUDA_SUCCESS;
    }
    int device;
    uint64_t remote;
    CUresult result = driver_resolve_stream(stream, 0, &device, &remote);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&tools_lock);
    tools_stream *found = tools_streams;
    while (found != NULL && found->stream != stream)
        found = found->next;
    if (found == NULL && (found = calloc(1, sizeof *found)) != NULL) {
        found->stream = stream;
        found->next = tools_streams;
        tools_streams = found;
    }
    pthread_mutex_unlock(&tools_lock);
    *handle = found;
    return found != NULL ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

static CUresult tools_stream_public(tools_stream *handle, CUstream *stream)
{
    if (handle == NULL || stream == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    *stream = handle->stream;
    return CUDA_SUCCESS;
}

static CUresult tools_stream_id(CUcontext context, tools_stream *handle, unsigned long long *id)
{
    extern CUresult cuStreamGetId(CUstream, unsigned long long *);
    if (handle == NULL || id == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return cuStreamGetId(handle->stream, id);
}

/* --- Context checks (263e8860-7cd2-6143-92f6-bbd5006dfa7e). --- */

/* Every context of Orion's driver is an ordinary one (not a green or wrapped context). */
static CUresult context_kind(CUcontext context, uint32_t *kind, void **detail)
{
    if (kind != NULL)
        *kind = 0;
    return CUDA_SUCCESS;
}
static uint32_t context_checks_zero(void) { return 0; }

static void *context_checks[15];

/* --- Context-local storage (c693336e-1121-df11-a8c3-68f355d89593): no size slot. --- */

static void *context_storage[3] = {(void *)driver_storage_put, (void *)driver_storage_delete, (void *)driver_storage_get};

/* --- Integrity check (d4082055-bde6-704b-8d34-ba123c66e1f2). --- */

static void *integrity[3];

static CUresult integrity_slot(uint32_t version, uint64_t unix_seconds, uint64_t result[2])
{
    return driver_integrity_check(version, unix_seconds, result, runtime_interface, integrity, integrity[1]);
}

/* --- Tables asked for by libraries, meaning unknown: every slot is a logging stub. --- */

static void *cublaslt_table[93];
static void *table_69a28e9f[34];
/* --- Module walk (6e163fbe-b958-444d-835c-e182aff1991e), asked for by cuFFT: slot 7 calls back once per
 * kernel of a module with (data, function, name) and answers how many it visited (driver 580 answered 3
 * for a module of three kernels; cuFFT's plans fail when it answers 0). Driver 580's table has 99 words
 * (0x318 bytes); the other slots are logging stubs. --- */

static void *module_walk[99];

typedef void (*module_walk_visit)(void *data, CUfunction function, const char *name);

struct counted_walk {
    module_walk_visit visit;
    void *data;
    int visited;
};

static void visit_counted(void *data, CUfunction function, const char *name)
{
    struct counted_walk *walk = data;
    walk->visited++;
    walk->visit(walk->data, function, name);
}

/* The count on success; a failure's CUresult otherwise (what NVIDIA's walk answers then is not known). */
static int walk_module(void *unused, CUmodule module, module_walk_visit visit, void *data)
{
    (void)unused; /* NVIDIA's walk gives the same answer whatever this is (NULL, a context, a module) */
    struct counted_walk walk = {visit, data, 0};
    CUresult result = visit == NULL ? CUDA_ERROR_INVALID_VALUE : driver_module_each_function(module, visit_counted, &walk);
    return result == CUDA_SUCCESS ? walk.visited : (int)result;
}

/* cuBLAS asks for it on its half and bfloat16 paths (slot 4, with two out-pointers): refused as
 * unknown, cuBLAS crashes; a table whose slots answer CUDA_ERROR_NOT_SUPPORTED it works on without.
 * Driver 580's table has 17 slots (0x88 bytes). */
static void *table_1734dc26[17];

static void fill(void **table, size_t slots, void *const *stubs)
{
    table[0] = (void *)(uintptr_t)(slots * sizeof(void *));
    for (size_t i = 1; i < slots; i++)
        table[i] = stubs[i];
}

static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    fill(runtime_interface, 13, unknown_runtime_interface_6bd5fb6c);
    runtime_interface[1] = (void *)load_from_wrapper;
    runtime_interface[2] = (void *)primary_context;
    runtime_interface[6] = (void *)load_from_wrapper_with;
    runtime_interface[7] = (void *)ignore_size;
    runtime_interface[8] = (void *)load_from_fatbin_with;
    runtime_interface[10] = NULL; /* empty in NVIDIA's table too */
    runtime_interface[12] = (void *)nothing_to_load;
    fill(callback_hooks, 7, unknown_callback_hooks_a094798c);
    callback_hooks[2] = (void *)hooks_slot_2;
    callback_hooks[6] = (void *)hooks_slot_6;
    fill(tools_tls, 3, unknown_tools_tls_42d85a81);
    tools_tls[1] = (void *)tools_set_current;
    tools_tls[2] = (void *)tools_get_current;
    fill(context_checks, 15, unknown_context_checks_263e8860);
    context_checks[2] = (void *)context_kind;
    context_checks[3] = (void *)context_checks_zero;
    fill(integrity, 3, unknown_integrity_d4082055);
    integrity[1] = (void *)integrity_slot;
    fill(cublaslt_table, 93, unknown_tools_context_21318c60);
    cublaslt_table[3] = (void *)tools_context_device;
    cublaslt_table[4] = (void *)tools_context_id;
    cublaslt_table[16] = (void *)tools_stream_public;
    cublaslt_table[39] = (void *)tools_stream_id;
    cublaslt_table[51] = (void *)tools_stream_handle;
    fill(table_69a28e9f, 34, unknown_table_69a28e9f);
    fill(table_1734dc26, 17, unknown_table_1734dc26);
    fill(module_walk, 99, unknown_module_walk_6e163fbe);
    module_walk[7] = (void *)walk_module;
}

static const struct {
    unsigned char uuid[16];
    void **table;
} tables[] = {
    {{0x6b, 0xd5, 0xfb, 0x6c, 0x5b, 0xf4, 0xe7, 0x4a, 0x89, 0x87, 0xd9, 0x39, 0x12, 0xfd, 0x9d, 0xf9}, runtime_interface},
    {{0xa0, 0x94, 0x79, 0x8c, 0x2e, 0x74, 0x2e, 0x74, 0x93, 0xf2, 0x08, 0x00, 0x20, 0x0c, 0x0a, 0x66}, callback_hooks},
    {{0x42, 0xd8, 0x5a, 0x81, 0x23, 0xf6, 0xcb, 0x47, 0x82, 0x98, 0xf6, 0xe7, 0x8a, 0x3a, 0xec, 0xdc}, tools_tls},
    {{0xc6, 0x93, 0x33, 0x6e, 0x11, 0x21, 0xdf, 0x11, 0xa8, 0xc3, 0x68, 0xf3, 0x55, 0xd8, 0x95, 0x93}, context_storage},
    {{0x26, 0x3e, 0x88, 0x60, 0x7c, 0xd2, 0x61, 0x43, 0x92, 0xf6, 0xbb, 0xd5, 0x00, 0x6d, 0xfa, 0x7e}, context_checks},
    {{0xd4, 0x08, 0x20, 0x55, 0xbd, 0xe6, 0x70, 0x4b, 0x8d, 0x34, 0xba, 0x12, 0x3c, 0x66, 0xe1, 0xf2}, integrity},
    {{0x21, 0x31, 0x8c, 0x60, 0x97, 0x14, 0x32, 0x48, 0x8c, 0xa6, 0x41, 0xff, 0x73, 0x24, 0xc8, 0xf2}, cublaslt_table},
    {{0x69, 0xa2, 0x8e, 0x9f, 0x24, 0x49, 0x8b, 0x47, 0xb0, 0x30, 0xc5, 0xda, 0x33, 0x0e, 0xa4, 0xe9}, table_69a28e9f},
    {{0x6e, 0x16, 0x3f, 0xbe, 0xb9, 0x58, 0x44, 0x4d, 0x83, 0x5c, 0xe1, 0x82, 0xaf, 0xf1, 0x99, 0x1e}, module_walk},
    {{0x17, 0x34, 0xdc, 0x26, 0x80, 0x0d, 0x47, 0x45, 0x87, 0x26, 0xc0, 0xf1, 0xe7, 0xdd, 0x8b, 0xca}, table_1734dc26},
};

CUresult driver_export_table(const void **table, const CUuuid *id)
{
    pthread_once(&tables_once, build_tables);
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (memcmp(tables[i].uuid, id->bytes, 16) == 0) {
            *table = tables[i].table;
            return CUDA_SUCCESS;
        }
    /* As NVIDIA's driver answers a UUID it does not know. The runtime asks for f8cff951-...
     * first and works on without it; any other refusal is worth a line in the log. */
    *table = NULL;
    char text[33];
    for (int i = 0; i < 16; i++)
        snprintf(text + 2 * i, 3, "%02x", (unsigned char)id->bytes[i]);
    driver_log(strncmp(text, "f8cff951", 8) == 0 ? DRIVER_LOG_DEBUG : DRIVER_LOG_WARN,
               "cuGetExportTable: Orion's driver has no private table %s", text);
    return CUDA_ERROR_INVALID_VALUE;
}
