using Orion.Cuda.Protocol.Calls;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>The events area: client-named events, recorded on streams of their own device.</summary>
internal sealed class EventCallHandler(SessionObjects objects) : IEventCalls
{
    public CudaStatus CreateEvent(ulong gpuEvent, uint flags)
    {
        var status = objects.WithContext(out var context) ?? objects.CheckNewHandle(gpuEvent)
            ?? SessionObjects.RefuseBeyondCount(objects.Tables.Counts().Events, objects.Config.SessionLimits.MaxEvents);
        if (status is not null)
        {
            return status.Value;
        }
        var created = context.CreateEvent(flags, out var handle);
        if (created == CudaStatus.Success)
        {
            objects.Tables.TryAddEvent(gpuEvent, new SessionTables.EventEntry(objects.CurrentDevice, handle));
        }
        return created;
    }

    public CudaStatus DestroyEvent(ulong gpuEvent)
    {
        if (!objects.Tables.TryGetEvent(gpuEvent, out var entry))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = objects.ContextOf(entry.Device).DestroyEvent(entry.Event);
        objects.Tables.RemoveEvent(gpuEvent);
        return status;
    }

    public CudaStatus RecordEvent(ulong gpuEvent, ulong stream, uint flags) =>
        objects.Tables.TryGetEvent(gpuEvent, out var entry)
            ? objects.ResolveStream(stream, entry.Device, out var gpuStream) ?? objects.ContextOf(entry.Device).RecordEvent(entry.Event, gpuStream, flags)
            : CudaStatus.InvalidHandle;

    public CudaStatus SynchronizeEvent(ulong gpuEvent) =>
        objects.Tables.TryGetEvent(gpuEvent, out var entry) ? objects.ContextOf(entry.Device).SynchronizeEvent(entry.Event) : CudaStatus.InvalidHandle;

    public CudaStatus QueryEvent(ulong gpuEvent) =>
        objects.Tables.TryGetEvent(gpuEvent, out var entry) ? objects.ContextOf(entry.Device).QueryEvent(entry.Event) : CudaStatus.InvalidHandle;

    public CudaStatus GetEventElapsedTime(ulong startEvent, ulong endEvent, out float milliseconds)
    {
        milliseconds = 0;
        return objects.Tables.TryGetEvent(startEvent, out var first) && objects.Tables.TryGetEvent(endEvent, out var second) && first.Device == second.Device
            ? objects.ContextOf(first.Device).GetEventElapsedTime(first.Event, second.Event, out milliseconds)
            : CudaStatus.InvalidHandle;
    }
}
