using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>Streams, events and host-function markers.</summary>
internal sealed unsafe partial class CudaDriverContext
{
    public CudaStatus CreateStream(uint flags, int priority, out GpuStreamHandle stream)
    {
        stream = default;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nint handle;
        status = CudaDriverApi.StreamCreateWithPriority(&handle, flags, priority);
        if (status == CudaStatus.Success)
        {
            _streams.Add(handle);
            stream = new GpuStreamHandle(handle);
        }

        return status;
    }

    public CudaStatus DestroyStream(GpuStreamHandle stream)
    {
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        // Only streams made here; the default streams belong to the context and cannot be destroyed.
        if (!_streams.Remove(stream.Value))
        {
            return CudaStatus.InvalidHandle;
        }

        EndCaptureOf(stream.Value);

        return CudaDriverApi.StreamDestroy(stream.Value);
    }

    public CudaStatus SynchronizeStream(GpuStreamHandle stream) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s : CudaDriverApi.StreamSynchronize(stream.Value);

    public CudaStatus QueryStream(GpuStreamHandle stream) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s : CudaDriverApi.StreamQuery(stream.Value);

    public CudaStatus StreamWaitEvent(GpuStreamHandle stream, GpuEventHandle gpuEvent, uint flags) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s
            : !IsKnown(gpuEvent) ? CudaStatus.InvalidHandle
            : CudaDriverApi.StreamWaitEvent(stream.Value, gpuEvent.Value, flags);

    public CudaStatus GetStreamPriorityRange(out int leastPriority, out int greatestPriority)
    {
        leastPriority = greatestPriority = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        int least, greatest;
        status = CudaDriverApi.CtxGetStreamPriorityRange(&least, &greatest);
        leastPriority = least;
        greatestPriority = greatest;
        return status;
    }

    public CudaStatus LaunchHostFunction(GpuStreamHandle stream, Action<ulong> callback, ulong marker)
    {
        ArgumentNullException.ThrowIfNull(callback);
        CudaStatus status = Ready(stream);
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nint userData = CudaHostFunction.Capture(callback, marker);
        status = CudaDriverApi.LaunchHostFunc(stream.Value, CudaHostFunction.Trampoline, userData);
        if (status != CudaStatus.Success)
        {
            CudaHostFunction.Release(userData); // the driver will never call it
        }

        return status;
    }

    public CudaStatus CreateEvent(uint flags, out GpuEventHandle gpuEvent)
    {
        gpuEvent = default;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        nint handle;
        status = CudaDriverApi.EventCreate(&handle, flags);
        if (status == CudaStatus.Success)
        {
            _events.Add(handle);
            gpuEvent = new GpuEventHandle(handle);
        }

        return status;
    }

    public CudaStatus DestroyEvent(GpuEventHandle gpuEvent) =>
        MakeCurrent() is var s && s != CudaStatus.Success ? s
            : !_events.Remove(gpuEvent.Value) ? CudaStatus.InvalidHandle
            : CudaDriverApi.EventDestroy(gpuEvent.Value);

    public CudaStatus RecordEvent(GpuEventHandle gpuEvent, GpuStreamHandle stream, uint flags) =>
        Ready(stream) is var s && s != CudaStatus.Success ? s
            : !IsKnown(gpuEvent) ? CudaStatus.InvalidHandle
            : flags == 0 ? CudaDriverApi.EventRecord(gpuEvent.Value, stream.Value)
            : CudaDriverApi.EventRecordWithFlags(gpuEvent.Value, stream.Value, flags);

    public CudaStatus SynchronizeEvent(GpuEventHandle gpuEvent) =>
        Ready(gpuEvent) is var s && s != CudaStatus.Success ? s : CudaDriverApi.EventSynchronize(gpuEvent.Value);

    public CudaStatus QueryEvent(GpuEventHandle gpuEvent) =>
        Ready(gpuEvent) is var s && s != CudaStatus.Success ? s : CudaDriverApi.EventQuery(gpuEvent.Value);

    public CudaStatus GetEventElapsedTime(GpuEventHandle startEvent, GpuEventHandle endEvent, out float milliseconds)
    {
        milliseconds = 0;
        CudaStatus status = MakeCurrent();
        if (status != CudaStatus.Success)
        {
            return status;
        }

        if (!IsKnown(startEvent) || !IsKnown(endEvent))
        {
            return CudaStatus.InvalidHandle;
        }

        float elapsed;
        status = CudaDriverApi.EventElapsedTime(&elapsed, startEvent.Value, endEvent.Value);
        milliseconds = elapsed;
        return status;
    }
}
