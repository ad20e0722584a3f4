using Orion.Cuda.Protocol.Wire;

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
        var record = Begin(Opcode.StreamCreate);
        record.Writer.WriteUInt64(stream);
        record.Writer.WriteUInt32(flags);
        record.Writer.WriteInt32(priority);
        return EndAsync(ref record);
    }

    public CudaStatus DestroyStream(ulong stream) => AsyncCall(Opcode.StreamDestroy, stream);

    public CudaStatus SynchronizeStream(ulong stream) => Call(Opcode.StreamSynchronize, stream);

    /// <summary><see cref="CudaStatus.Success"/> when the stream is idle, <see cref="CudaStatus.NotReady"/> otherwise.</summary>
    public CudaStatus QueryStream(ulong stream) => Call(Opcode.StreamQuery, stream);

    public CudaStatus StreamWaitEvent(ulong stream, ulong gpuEvent, uint flags = 0)
    {
        var record = Begin(Opcode.StreamWaitEvent);
        record.Writer.WriteUInt64(stream);
        record.Writer.WriteUInt64(gpuEvent);
        record.Writer.WriteUInt32(flags);
        return EndAsync(ref record);
    }

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
        var marker = (ulong)Interlocked.Increment(ref _nextMarker);
        lock (_markerGate)
        {
            _markers[marker] = (callback, userData);
        }
        var record = Begin(Opcode.LaunchHostFunction);
        record.Writer.WriteUInt64(stream);
        record.Writer.WriteUInt64(marker);
        Flush(record.End().Sequence);
        return _failure is null ? CudaStatus.Success : ConnectionLost;
    }

    /// <summary><c>cuEventCreate</c>: asynchronous, like stream creation.</summary>
    public CudaStatus CreateEvent(uint flags, out ulong gpuEvent)
    {
        gpuEvent = NewHandle();
        var record = Begin(Opcode.EventCreate);
        record.Writer.WriteUInt64(gpuEvent);
        record.Writer.WriteUInt32(flags);
        return EndAsync(ref record);
    }

    public CudaStatus DestroyEvent(ulong gpuEvent) => AsyncCall(Opcode.EventDestroy, gpuEvent);

    /// <summary><c>cuEventRecordWithFlags</c> (flags 0: <c>cuEventRecord</c>).</summary>
    public CudaStatus RecordEvent(ulong gpuEvent, ulong stream, uint flags = 0)
    {
        var record = Begin(Opcode.EventRecord);
        record.Writer.WriteUInt64(gpuEvent);
        record.Writer.WriteUInt64(stream);
        record.Writer.WriteUInt32(flags);
        return EndAsync(ref record);
    }

    public CudaStatus SynchronizeEvent(ulong gpuEvent) => Call(Opcode.EventSynchronize, gpuEvent);

    public CudaStatus QueryEvent(ulong gpuEvent) => Call(Opcode.EventQuery, gpuEvent);

    public CudaStatus GetEventElapsedTime(ulong start, ulong end, out float milliseconds)
    {
        var call = RentCall();
        var record = Begin(Opcode.EventElapsedTime, RequestModes.None, call.RequestId);
        record.Writer.WriteUInt64(start);
        record.Writer.WriteUInt64(end);
        var status = Complete(call, record.End().Sequence);
        milliseconds = call.SingleAt(0);
        ReturnCall(call);
        return status;
    }

    private CudaStatus AsyncCall(Opcode opcode, ulong argument)
    {
        var record = Begin(opcode);
        record.Writer.WriteUInt64(argument);
        return EndAsync(ref record);
    }
}
