/* Streams, events and host callbacks. */
#include <stdlib.h>

#include "driver_handles.h"

static int live_stream(CUstream stream)
{
    return __atomic_load_n(&stream->magic, __ATOMIC_ACQUIRE) == DRIVER_STREAM_MAGIC;
}

static int live_event(CUevent event)
{
    return event != NULL && __atomic_load_n(&event->magic, __ATOMIC_ACQUIRE) == DRIVER_EVENT_MAGIC;
}

/* The client's handles 0/1 are the legacy default stream and 2 the per-thread default stream
 * (orion_client.h); NULL means one or the other depending on the entry point's variant. */
CUresult driver_resolve_stream(CUstream stream, int per_thread, int *device, uint64_t *handle)
{
    if (stream == NULL || stream == CU_STREAM_LEGACY || stream == CU_STREAM_PER_THREAD) {
        CUresult result = driver_current_device(device);
        if (result == CUDA_SUCCESS)
            *handle = stream == CU_STREAM_PER_THREAD || (stream == NULL && per_thread) ? 2 : 1;
        return result;
    }
    if (!live_stream(stream))
        return CUDA_ERROR_INVALID_HANDLE;
    *device = stream->device;
    *handle = stream->remote;
    return CUDA_SUCCESS;
}

CUresult driver_stream_target(CUstream stream, int per_thread, int *device, uint64_t *handle)
{
    CUresult result = driver_begin();
    return result != CUDA_SUCCESS ? result : driver_resolve_stream(stream, per_thread, device, handle);
}

/* The record of a created stream, or NULL for a default stream (which has no record). */
static CUresult stream_record(CUstream stream, struct driver_stream **record)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, 0, &device, &handle);
    *record = result == CUDA_SUCCESS && handle > 2 ? stream : NULL;
    return result;
}

static unsigned long long next_stream_id = 16;

static CUresult create_stream(CUstream *stream, unsigned int flags, int priority)
{
    int device;
    if (stream == NULL || (flags & ~(unsigned int)CU_STREAM_NON_BLOCKING) != 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    struct driver_stream *record = calloc(1, sizeof *record);
    if (record == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_stream_create(device, flags, priority, &remote));
    if (result != CUDA_SUCCESS) {
        free(record);
        return result;
    }
    int least = 0, greatest = 0;
    driver_stream_priority_range(device, &least, &greatest);
    /* The driver clamps a priority outside the device's range, and reports the clamped one. */
    if (priority > least)
        priority = least;
    if (priority < greatest)
        priority = greatest;
    *record = (struct driver_stream){0, device, remote, flags, priority, driver_current_context(),
                                     __atomic_fetch_add(&next_stream_id, 1, __ATOMIC_RELAXED)};
    __atomic_store_n(&record->magic, DRIVER_STREAM_MAGIC, __ATOMIC_RELEASE);
    *stream = record;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuStreamCreate(CUstream *stream, unsigned int flags) { return create_stream(stream, flags, 0); }
DRIVER_API CUresult cuStreamCreateWithPriority(CUstream *stream, unsigned int flags, int priority)
{
    return create_stream(stream, flags, priority);
}

DRIVER_API CUresult cuStreamDestroy_v2(CUstream stream)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (stream == NULL || stream == CU_STREAM_LEGACY || stream == CU_STREAM_PER_THREAD || !live_stream(stream))
        return CUDA_ERROR_INVALID_HANDLE;
    result = driver_result(driver_client.orion_stream_destroy(stream->device, stream->remote));
    if (result == CUDA_SUCCESS)
        __atomic_store_n(&stream->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    return result;
}

#define STREAM_ENTRY(name, call)                                                                                   \
    static CUresult name##_on(CUstream stream, int per_thread)                                                     \
    {                                                                                                              \
        int device;                                                                                                \
        uint64_t handle;                                                                                           \
        CUresult result = driver_stream_target(stream, per_thread, &device, &handle);                              \
        if (result == CUDA_SUCCESS)                                                                                \
            result = driver_result(driver_client.call(device, handle));                                            \
        return result == CUDA_SUCCESS ? driver_mapped_after_wait(0) : result;                                       \
    }                                                                                                              \
    DRIVER_API CUresult cu##name(CUstream stream) { return name##_on(stream, 0); }                                 \
    DRIVER_API CUresult cu##name##_ptsz(CUstream stream) { return name##_on(stream, 1); }

STREAM_ENTRY(StreamSynchronize, orion_stream_synchronize)
STREAM_ENTRY(StreamQuery, orion_stream_query)

static CUresult wait_event(CUstream stream, CUevent event, unsigned int flags, int per_thread)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_event(event))
        return CUDA_ERROR_INVALID_HANDLE;
    return driver_result(driver_client.orion_stream_wait_event(device, handle, event->remote, flags));
}

DRIVER_API CUresult cuStreamWaitEvent(CUstream stream, CUevent event, unsigned int flags)
{
    return wait_event(stream, event, flags, 0);
}
DRIVER_API CUresult cuStreamWaitEvent_ptsz(CUstream stream, CUevent event, unsigned int flags)
{
    return wait_event(stream, event, flags, 1);
}

/* The _ptsz getters: there, stream 0 is the per-thread default stream. */
DRIVER_API CUresult cuStreamGetPriority(CUstream stream, int *priority)
{
    struct driver_stream *record;
    CUresult result = priority == NULL ? CUDA_ERROR_INVALID_VALUE : stream_record(stream, &record);
    if (result == CUDA_SUCCESS)
        *priority = record != NULL ? record->priority : 0;
    return result;
}

DRIVER_API CUresult cuStreamGetPriority_ptsz(CUstream stream, int *priority)
{
    return cuStreamGetPriority(stream == NULL ? CU_STREAM_PER_THREAD : stream, priority);
}

DRIVER_API CUresult cuStreamGetFlags(CUstream stream, unsigned int *flags)
{
    struct driver_stream *record;
    CUresult result = flags == NULL ? CUDA_ERROR_INVALID_VALUE : stream_record(stream, &record);
    if (result == CUDA_SUCCESS)
        *flags = record != NULL ? record->flags : 0;
    return result;
}

DRIVER_API CUresult cuStreamGetFlags_ptsz(CUstream stream, unsigned int *flags)
{
    return cuStreamGetFlags(stream == NULL ? CU_STREAM_PER_THREAD : stream, flags);
}

DRIVER_API CUresult cuStreamGetCtx(CUstream stream, CUcontext *context)
{
    struct driver_stream *record;
    CUresult result = context == NULL ? CUDA_ERROR_INVALID_VALUE : stream_record(stream, &record);
    if (result == CUDA_SUCCESS)
        *context = record != NULL ? record->context : driver_current_context();
    return result;
}

DRIVER_API CUresult cuStreamGetCtx_ptsz(CUstream stream, CUcontext *context)
{
    return cuStreamGetCtx(stream == NULL ? CU_STREAM_PER_THREAD : stream, context);
}

DRIVER_API CUresult cuStreamGetDevice(CUstream stream, CUdevice *device)
{
    uint64_t handle;
    return device == NULL ? CUDA_ERROR_INVALID_VALUE : driver_stream_target(stream, 0, device, &handle);
}

DRIVER_API CUresult cuStreamGetDevice_ptsz(CUstream stream, CUdevice *device)
{
    return cuStreamGetDevice(stream == NULL ? CU_STREAM_PER_THREAD : stream, device);
}

DRIVER_API CUresult cuStreamGetId(CUstream stream, unsigned long long *id)
{
    struct driver_stream *record;
    CUresult result = id == NULL ? CUDA_ERROR_INVALID_VALUE : stream_record(stream, &record);
    if (result == CUDA_SUCCESS)
        *id = record != NULL ? record->id : (unsigned long long)(uintptr_t)(stream == NULL ? CU_STREAM_LEGACY : stream);
    return result;
}

DRIVER_API CUresult cuStreamGetId_ptsz(CUstream stream, unsigned long long *id)
{
    return cuStreamGetId(stream == NULL ? CU_STREAM_PER_THREAD : stream, id);
}

/* Host callbacks run on the client's callback thread once the server reports that the stream
 * reached them. One small record per callback carries what the user's function expects. */
typedef struct callback_record {
    CUstream stream;
    CUstreamCallback stream_callback;
    CUhostFn host_function;
    void *user_data;
} callback_record;

static void run_callback(uint64_t stream, int32_t status, void *fn, void *user_data)
{
    callback_record *record = user_data;
    (void)stream;
    (void)fn;
    if (record->stream_callback != NULL)
        record->stream_callback(record->stream, driver_result(status), record->user_data);
    else
        record->host_function(record->user_data);
    free(record);
}

static CUresult add_callback(CUstream stream, int per_thread, CUstreamCallback stream_callback, CUhostFn host_function,
                             void *user_data)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    callback_record *record = malloc(sizeof *record);
    if (record == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    *record = (callback_record){stream, stream_callback, host_function, user_data};
    result = driver_result(driver_client.orion_stream_add_callback(device, handle, run_callback, NULL, record));
    if (result != CUDA_SUCCESS)
        free(record);
    return result;
}

DRIVER_API CUresult cuStreamAddCallback(CUstream stream, CUstreamCallback callback, void *user_data, unsigned int flags)
{
    if (callback == NULL || flags != 0)
        return CUDA_ERROR_INVALID_VALUE;
    return add_callback(stream, 0, callback, NULL, user_data);
}

DRIVER_API CUresult cuStreamAddCallback_ptsz(CUstream stream, CUstreamCallback callback, void *user_data,
                                             unsigned int flags)
{
    if (callback == NULL || flags != 0)
        return CUDA_ERROR_INVALID_VALUE;
    return add_callback(stream, 1, callback, NULL, user_data);
}

DRIVER_API CUresult cuLaunchHostFunc(CUstream stream, CUhostFn function, void *user_data)
{
    if (function == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return add_callback(stream, 0, NULL, function, user_data);
}

DRIVER_API CUresult cuLaunchHostFunc_ptsz(CUstream stream, CUhostFn function, void *user_data)
{
    if (function == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return add_callback(stream, 1, NULL, function, user_data);
}

/* Events. */

DRIVER_API CUresult cuEventCreate(CUevent *event, unsigned int flags)
{
    int device;
    if (event == NULL ||
        (flags & ~(unsigned int)(CU_EVENT_BLOCKING_SYNC | CU_EVENT_DISABLE_TIMING | CU_EVENT_INTERPROCESS)) != 0)
        return CUDA_ERROR_INVALID_VALUE;
    if (flags & CU_EVENT_INTERPROCESS)
        DRIVER_NOT_SUPPORTED("cuEventCreate with CU_EVENT_INTERPROCESS");
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    struct driver_event *record = calloc(1, sizeof *record);
    if (record == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_event_create(device, flags, &remote));
    if (result != CUDA_SUCCESS) {
        free(record);
        return result;
    }
    *record = (struct driver_event){0, device, remote, flags};
    __atomic_store_n(&record->magic, DRIVER_EVENT_MAGIC, __ATOMIC_RELEASE);
    *event = record;
    return CUDA_SUCCESS;
}

static CUresult record_event(CUevent event, CUstream stream, unsigned int flags, int per_thread)
{
    int device;
    uint64_t handle;
    CUresult result = driver_stream_target(stream, per_thread, &device, &handle);
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_event(event) || event->device != device)
        return CUDA_ERROR_INVALID_HANDLE;
    return driver_result(driver_client.orion_event_record(device, event->remote, handle, flags));
}

DRIVER_API CUresult cuEventRecord(CUevent event, CUstream stream) { return record_event(event, stream, 0, 0); }
DRIVER_API CUresult cuEventRecord_ptsz(CUevent event, CUstream stream) { return record_event(event, stream, 0, 1); }
DRIVER_API CUresult cuEventRecordWithFlags(CUevent event, CUstream stream, unsigned int flags)
{
    return record_event(event, stream, flags, 0);
}
DRIVER_API CUresult cuEventRecordWithFlags_ptsz(CUevent event, CUstream stream, unsigned int flags)
{
    return record_event(event, stream, flags, 1);
}

#define EVENT_ENTRY(name, call)                                                                                    \
    DRIVER_API CUresult cu##name(CUevent event)                                                                    \
    {                                                                                                              \
        CUresult result = driver_begin();                                                                          \
        if (result != CUDA_SUCCESS)                                                                                \
            return result;                                                                                         \
        if (!live_event(event))                                                                                    \
            return CUDA_ERROR_INVALID_HANDLE;                                                                      \
        result = driver_result(driver_client.call(event->device, event->remote));                                  \
        return result == CUDA_SUCCESS ? driver_mapped_after_wait(0) : result;                                       \
    }

EVENT_ENTRY(EventSynchronize, orion_event_synchronize)
EVENT_ENTRY(EventQuery, orion_event_query)

DRIVER_API CUresult cuEventDestroy_v2(CUevent event)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_event(event))
        return CUDA_ERROR_INVALID_HANDLE;
    result = driver_result(driver_client.orion_event_destroy(event->device, event->remote));
    if (result == CUDA_SUCCESS)
        __atomic_store_n(&event->magic, DRIVER_DEAD_MAGIC, __ATOMIC_RELEASE);
    return result;
}

static CUresult elapsed_time(float *milliseconds, CUevent start, CUevent end)
{
    if (milliseconds == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (!live_event(start) || !live_event(end) || start->device != end->device)
        return CUDA_ERROR_INVALID_HANDLE;
    return driver_result(driver_client.orion_event_elapsed_time(start->device, start->remote, end->remote, milliseconds));
}

DRIVER_API CUresult cuEventElapsedTime(float *milliseconds, CUevent start, CUevent end)
{
    return elapsed_time(milliseconds, start, end);
}
DRIVER_API CUresult cuEventElapsedTime_v2(float *milliseconds, CUevent start, CUevent end)
{
    return elapsed_time(milliseconds, start, end);
}
