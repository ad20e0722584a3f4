namespace Orion.Cuda.Remote.Client;

// Streams and events. Handles are chosen here, so creating one needs no round trip; stream 0 is the
// device's legacy default stream (1 and 2, CUDA's legacy and per-thread sentinels, mean it too).
public sealed partial class RemoteCudaClient
{
    private long _nextMarker;

    /// <summary><c>cuStreamCreateWithPriority</c>: asynchronous; an invalid flag surfaces at the next synchronizing call.</summary>
    public CudaStatus CreateStream(uint flags, int priority, out ulong stream)
    {
        stream = NewHandle();
        return Remote.CreateStream(stream, flags, priority);
    }

    public CudaStatus DestroyStream(ulong stream)
    {
        ForgetCaptureOrigin(stream);
        return Remote.DestroyStream(stream);
    }

    public CudaStatus SynchronizeStream(ulong stream) => Remote.SynchronizeStream(stream);

    /// <summary>
    /// <see cref="CudaStatus.Success"/> when the stream is idle, <see cref="CudaStatus.NotReady"/> otherwise; not ready at
    /// once while a download has not landed (RemoteCudaClient.Progress.cs).
    /// </summary>
    public CudaStatus QueryStream(ulong stream) =>
        _failure is null && StreamWaitsForDownload ? CudaStatus.NotReady : Remote.QueryStream(stream);

    public CudaStatus StreamWaitEvent(ulong stream, ulong gpuEvent, uint flags = 0) => Remote.StreamWaitEvent(stream, gpuEvent, flags);

    /// <summary>
    /// <c>cudaLaunchHostFunc</c>: <paramref name="callback"/> runs here, with <paramref name="userData"/>,
    /// once the server reports that the stream reached this point. The batch is written at once so
    /// that the marker reaches the server even if the caller only waits for the callback. The
    /// callback runs on the client's receive thread, in order with replies: as in CUDA, it must not
    /// call into the client (that would wait for a reply only this thread can deliver).
    /// </summary>
    public CudaStatus LaunchHostFunction(ulong stream, Action<nint> callback, nint userData)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (RefuseWhileCapturing(stream) is { } capturing)
        {
            return capturing;
        }
        var marker = (ulong)Interlocked.Increment(ref _nextMarker);
        lock (_markerGate)
        {
            _markers[marker] = (callback, userData);
        }
        return Remote.LaunchHostFunction(stream, marker);
    }

    /// <summary><c>cuEventCreate</c>: asynchronous, like stream creation.</summary>
    public CudaStatus CreateEvent(uint flags, out ulong gpuEvent)
    {
        gpuEvent = NewHandle();
        return Remote.CreateEvent(gpuEvent, flags);
    }

    public CudaStatus DestroyEvent(ulong gpuEvent)
    {
        ForgetEventMark(gpuEvent);
        return Remote.DestroyEvent(gpuEvent);
    }

    /// <summary><c>cuEventRecordWithFlags</c> (flags 0: <c>cuEventRecord</c>).</summary>
    public CudaStatus RecordEvent(ulong gpuEvent, ulong stream, uint flags = 0)
    {
        var status = Remote.RecordEvent(gpuEvent, stream, flags);
        MarkEventRecorded(gpuEvent);
        return status;
    }

    public CudaStatus SynchronizeEvent(ulong gpuEvent) => Remote.SynchronizeEvent(gpuEvent);

    /// <summary>
    /// <c>cuEventQuery</c>: <see cref="CudaStatus.NotReady"/> at once, without a round trip, while a download
    /// ordered before the event's record has not landed (RemoteCudaClient.Progress.cs); otherwise the server's answer.
    /// </summary>
    public CudaStatus QueryEvent(ulong gpuEvent) =>
        _failure is null && EventWaitsForDownload(gpuEvent) ? CudaStatus.NotReady : Remote.QueryEvent(gpuEvent);

    public CudaStatus GetEventElapsedTime(ulong start, ulong end, out float milliseconds) => Remote.GetEventElapsedTime(start, end, out milliseconds);
}
