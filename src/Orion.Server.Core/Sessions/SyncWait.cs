namespace Orion.Server.Core.Sessions;

/// <summary>
/// Waits on transport calls from the session's executor thread. The executor owns a CUDA context
/// bound to its thread, so it blocks on I/O rather than hopping threads; it is a dedicated thread,
/// so blocking costs no pool thread and cannot deadlock a synchronization context.
/// </summary>
internal static class SyncWait
{
    public static void Wait(ValueTask task) => Orion.Transport.BlockingWait.Wait(task);

    public static T Wait<T>(ValueTask<T> task) => Orion.Transport.BlockingWait.Wait(task);
}
