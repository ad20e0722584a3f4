namespace Orion.Transport;

/// <summary>
/// Blocks the calling thread until a <see cref="ValueTask"/> completes, without the Task that
/// <c>AsTask().GetAwaiter().GetResult()</c> would allocate: each thread keeps one reusable event and
/// continuation. Used where a synchronous API sits on the asynchronous transport (the client's
/// CUDA calls, the server's executor thread).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One per thread for the thread's lifetime; its event holds no kernel handle unless a wait spins out, and is reclaimed with the thread.")]
public sealed class BlockingWait
{
    [ThreadStatic]
    private static BlockingWait? t_current;

    private readonly ManualResetEventSlim _completed = new(false);
    private readonly Action _signal;

    private BlockingWait()
    {
        _signal = _completed.Set;
    }

    public static void Wait(ValueTask task)
    {
        if (!task.IsCompleted)
        {
            var waiter = t_current ??= new BlockingWait();
            waiter._completed.Reset();
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(waiter._signal);
            waiter._completed.Wait();
        }
        task.GetAwaiter().GetResult();
    }

    public static T Wait<T>(ValueTask<T> task)
    {
        if (!task.IsCompleted)
        {
            var waiter = t_current ??= new BlockingWait();
            waiter._completed.Reset();
            task.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(waiter._signal);
            waiter._completed.Wait();
        }
        return task.GetAwaiter().GetResult();
    }
}
