namespace Orion.Server.Core.ComputeShares;

/// <summary>A session's link to the scheduler of its GPU in the same process (context isolation).</summary>
internal sealed class LocalGpuTimeLink(GpuTimeScheduler scheduler, GpuTimeParticipant participant) : IGpuTimeLink
{
    public void Request() => scheduler.Request(participant);

    public void Release() => scheduler.Release(participant);

    public void Requeue() => scheduler.Release(participant, requeue: true);

    public void Dispose() => scheduler.Leave(participant);
}
