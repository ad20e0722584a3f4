/* Streams, events and host callbacks. cudaStream_t/cudaEvent_t values are client handles. */
#include "stub_internal.h"

static uint64_t event_handle(cudaEvent_t event) { return (uint64_t)(uintptr_t)event; }

static cudaError_t create_stream(cudaStream_t *stream, unsigned int flags, int priority)
{
    if (stream == NULL || (flags & ~(unsigned int)cudaStreamNonBlocking) != 0)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = stub_begin();
    uint64_t handle = 0;
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_stream_create(stub_current_device(), flags, priority, &handle);
    if (error == cudaSuccess)
        *stream = (cudaStream_t)(uintptr_t)handle;
    return stub_result(error);
}

STUB_API cudaError_t cudaStreamCreate(cudaStream_t *stream) { return create_stream(stream, cudaStreamDefault, 0); }

STUB_API cudaError_t cudaStreamCreateWithFlags(cudaStream_t *stream, unsigned int flags)
{
    return create_stream(stream, flags, 0);
}

STUB_API cudaError_t cudaStreamCreateWithPriority(cudaStream_t *stream, unsigned int flags, int priority)
{
    return create_stream(stream, flags, priority);
}

STUB_API cudaError_t cudaStreamDestroy(cudaStream_t stream)
{
    if (stream == NULL || stream == cudaStreamLegacy || stream == cudaStreamPerThread)
        return stub_result(cudaErrorInvalidResourceHandle);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_stream_destroy(stub_current_device(), stub_stream_handle(stream));
    return stub_result(error);
}

static cudaError_t synchronize_stream(cudaStream_t stream)
{
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_stream_synchronize(stub_current_device(), stub_stream_handle(stream));
    return stub_result(error);
}

STUB_API cudaError_t cudaStreamSynchronize(cudaStream_t stream) { return synchronize_stream(stream); }

STUB_API cudaError_t cudaStreamSynchronize_ptsz(cudaStream_t stream)
{
    return synchronize_stream(stream == NULL ? cudaStreamPerThread : stream);
}

static cudaError_t query_stream(cudaStream_t stream)
{
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_stream_query(stub_current_device(), stub_stream_handle(stream));
    /* cudaErrorNotReady is an answer, not a failure: CUDA does not record it as the last error. */
    return error == cudaErrorNotReady ? error : stub_result(error);
}

STUB_API cudaError_t cudaStreamQuery(cudaStream_t stream) { return query_stream(stream); }

STUB_API cudaError_t cudaStreamQuery_ptsz(cudaStream_t stream)
{
    return query_stream(stream == NULL ? cudaStreamPerThread : stream);
}

static cudaError_t wait_event(cudaStream_t stream, cudaEvent_t event, unsigned int flags)
{
    if (event == NULL)
        return stub_result(cudaErrorInvalidResourceHandle);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_stream_wait_event(stub_current_device(), stub_stream_handle(stream),
                                                                 event_handle(event), flags);
    return stub_result(error);
}

STUB_API cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags)
{
    return wait_event(stream, event, flags);
}

STUB_API cudaError_t cudaStreamWaitEvent_ptsz(cudaStream_t stream, cudaEvent_t event, unsigned int flags)
{
    return wait_event(stream == NULL ? cudaStreamPerThread : stream, event, flags);
}

/* Trampolines the client calls on its callback thread; fn is the application's function. */
static void run_stream_callback(uint64_t stream, int32_t status, void *fn, void *user_data)
{
    cudaStreamCallback_t callback = (cudaStreamCallback_t)(uintptr_t)fn;
    callback((cudaStream_t)(uintptr_t)stream, (cudaError_t)status, user_data);
}

static void run_host_function(uint64_t stream, int32_t status, void *fn, void *user_data)
{
    (void)stream, (void)status; /* cudaLaunchHostFunc functions are not run after an error */
    cudaHostFn_t function = (cudaHostFn_t)(uintptr_t)fn;
    function(user_data);
}

static cudaError_t add_callback(cudaStream_t stream, orion_host_callback trampoline, void *fn, void *user_data)
{
    if (fn == NULL)
        return stub_result(cudaErrorInvalidValue);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_stream_add_callback(stub_current_device(), stub_stream_handle(stream),
                                                                   trampoline, fn, user_data);
    return stub_result(error);
}

STUB_API cudaError_t cudaStreamAddCallback(cudaStream_t stream, cudaStreamCallback_t callback, void *user_data,
                                           unsigned int flags)
{
    if (flags != 0)
        return stub_result(cudaErrorInvalidValue);
    return add_callback(stream, run_stream_callback, (void *)(uintptr_t)callback, user_data);
}

STUB_API cudaError_t cudaStreamAddCallback_ptsz(cudaStream_t stream, cudaStreamCallback_t callback, void *user_data,
                                                unsigned int flags)
{
    return cudaStreamAddCallback(stream == NULL ? cudaStreamPerThread : stream, callback, user_data, flags);
}

STUB_API cudaError_t cudaLaunchHostFunc(cudaStream_t stream, cudaHostFn_t function, void *user_data)
{
    return add_callback(stream, run_host_function, (void *)(uintptr_t)function, user_data);
}

STUB_API cudaError_t cudaLaunchHostFunc_ptsz(cudaStream_t stream, cudaHostFn_t function, void *user_data)
{
    return cudaLaunchHostFunc(stream == NULL ? cudaStreamPerThread : stream, function, user_data);
}

static cudaError_t create_event(cudaEvent_t *event, unsigned int flags)
{
    const unsigned int known = cudaEventBlockingSync | cudaEventDisableTiming | cudaEventInterprocess;
    if (event == NULL || (flags & ~known) != 0)
        return stub_result(cudaErrorInvalidValue);
    if ((flags & cudaEventInterprocess) != 0) {
        static int logged;
        return stub_not_supported("cudaEventCreateWithFlags with cudaEventInterprocess", &logged);
    }
    cudaError_t error = stub_begin();
    uint64_t handle = 0;
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_event_create(stub_current_device(), flags, &handle);
    if (error == cudaSuccess)
        *event = (cudaEvent_t)(uintptr_t)handle;
    return stub_result(error);
}

STUB_API cudaError_t cudaEventCreate(cudaEvent_t *event) { return create_event(event, cudaEventDefault); }

STUB_API cudaError_t cudaEventCreateWithFlags(cudaEvent_t *event, unsigned int flags)
{
    return create_event(event, flags);
}

STUB_API cudaError_t cudaEventDestroy(cudaEvent_t event)
{
    if (event == NULL)
        return stub_result(cudaErrorInvalidResourceHandle);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_event_destroy(stub_current_device(), event_handle(event));
    return stub_result(error);
}

static cudaError_t record_event(cudaEvent_t event, cudaStream_t stream, unsigned int flags)
{
    if (event == NULL)
        return stub_result(cudaErrorInvalidResourceHandle);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_event_record(stub_current_device(), event_handle(event),
                                                            stub_stream_handle(stream), flags);
    return stub_result(error);
}

STUB_API cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) { return record_event(event, stream, 0); }

STUB_API cudaError_t cudaEventRecord_ptsz(cudaEvent_t event, cudaStream_t stream)
{
    return record_event(event, stream == NULL ? cudaStreamPerThread : stream, 0);
}

STUB_API cudaError_t cudaEventRecordWithFlags(cudaEvent_t event, cudaStream_t stream, unsigned int flags)
{
    return record_event(event, stream, flags);
}

STUB_API cudaError_t cudaEventRecordWithFlags_ptsz(cudaEvent_t event, cudaStream_t stream, unsigned int flags)
{
    return record_event(event, stream == NULL ? cudaStreamPerThread : stream, flags);
}

STUB_API cudaError_t cudaEventSynchronize(cudaEvent_t event)
{
    if (event == NULL)
        return stub_result(cudaErrorInvalidResourceHandle);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_event_synchronize(stub_current_device(), event_handle(event));
    return stub_result(error);
}

STUB_API cudaError_t cudaEventQuery(cudaEvent_t event)
{
    if (event == NULL)
        return stub_result(cudaErrorInvalidResourceHandle);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_event_query(stub_current_device(), event_handle(event));
    return error == cudaErrorNotReady ? error : stub_result(error);
}

STUB_API cudaError_t cudaEventElapsedTime(float *milliseconds, cudaEvent_t start, cudaEvent_t end)
{
    if (milliseconds == NULL)
        return stub_result(cudaErrorInvalidValue);
    if (start == NULL || end == NULL)
        return stub_result(cudaErrorInvalidResourceHandle);
    cudaError_t error = stub_begin();
    if (error == cudaSuccess)
        error = (cudaError_t)stub_client.orion_event_elapsed_time(stub_current_device(), event_handle(start),
                                                                  event_handle(end), milliseconds);
    return stub_result(error);
}
