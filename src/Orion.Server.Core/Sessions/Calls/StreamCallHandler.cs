using Orion.Cuda.Protocol.Calls;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>The streams area: client-named streams on the current device, waits and host-function markers.</summary>
internal sealed class StreamCallHandler(SessionObjects objects, Action<ulong> hostFunctionReached) : IStreamCalls
{
    public CudaStatus CreateStream(ulong stream, uint flags, int priority)
    {
        var status = objects.WithContext(out var context) ?? objects.CheckNewHandle(stream)
            ?? SessionObjects.RefuseBeyondCount(objects.Tables.Counts().Streams, objects.Config.SessionLimits.MaxStreams);
        if (status is not null)
        {
            return status.Value;
        }
        var created = context.CreateStream(flags, priority, out var gpuStream);
        if (created == CudaStatus.Success)
        {
            objects.Tables.TryAddStream(stream, new SessionTables.StreamEntry(objects.CurrentDevice, gpuStream));
        }
        return created;
    }

    public CudaStatus DestroyStream(ulong stream)
    {
        if (!objects.Tables.TryGetStream(stream, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(entry.Device).DestroyStream(entry.Stream);
        objects.Tables.RemoveStream(stream);
        return status;
    }

    public CudaStatus SynchronizeStream(ulong stream) =>
        objects.WithContext(out var context) ?? objects.ResolveStream(stream, out var gpuStream) ?? context.SynchronizeStream(gpuStream);

    public CudaStatus QueryStream(ulong stream) =>
        objects.WithContext(out var context) ?? objects.ResolveStream(stream, out var gpuStream) ?? context.QueryStream(gpuStream);

    public CudaStatus StreamWaitEvent(ulong stream, ulong gpuEvent, uint flags) =>
        objects.WithContext(out var context) ?? objects.ResolveStream(stream, out var gpuStream)
            ?? (objects.Tables.TryGetEvent(gpuEvent, out var entry) ? context.StreamWaitEvent(gpuStream, entry.Event, flags) : CudaStatus.InvalidHandle);

    public CudaStatus LaunchHostFunction(ulong stream, ulong marker) =>
        objects.WithContext(out var context) ?? objects.ResolveStream(stream, out var gpuStream)
            ?? CaptureGuard.RefuseWhileCapturing(context, gpuStream) ?? context.LaunchHostFunction(gpuStream, hostFunctionReached, marker);
}
