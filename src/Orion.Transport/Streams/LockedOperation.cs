using System.Threading.Tasks.Sources;

namespace Orion.Transport.Streams;

/// <summary>
/// A reusable asynchronous operation that runs while its caller holds a lock (a connection's send
/// or receive lock), and is the task its caller awaits: one instance per lock, reset per use, so
/// that starting and finishing an operation allocates nothing, whichever threads it runs on.
/// </summary>
/// <remarks>
/// <para>Why not an async method: an async method that waits boxes its state machine. The pooling
/// builder caches boxes per thread, but a transfer is typically started on one thread (the
/// application's, or a previous continuation's) and finished on another (the socket's completion),
/// and on the 16-core host that missed the cache about once per invocation of the benchmark (17 B
/// per round trip).</para>
/// <para>The lock is released when the caller takes the result (<see cref="IValueTaskSource.GetResult"/>),
/// not when the operation completes: a caller waiting for the lock would otherwise reset this object
/// before the previous caller had read its result. Completion runs the caller's continuation inline
/// (as an async method's completion would), and that continuation may start the next operation at
/// once, the lock being free by then.</para>
/// </remarks>
internal abstract class LockedOperation<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    private readonly SemaphoreSlim _lock;
    private ManualResetValueTaskSourceCore<TResult> _completion;
    /// <summary>1 from <see cref="Begin"/> until the caller has taken the result.</summary>
    private int _holdsLock;
    /// <summary>1 once the current use has published its result (read by a close that cannot wait).</summary>
    private int _completed;

    protected LockedOperation(SemaphoreSlim heldLock)
    {
        _lock = heldLock;
        _completion.RunContinuationsAsynchronously = false;
    }

    /// <summary>Starts a use, with the lock held by the caller; returns the token of its task.</summary>
    protected short Begin()
    {
        _completion.Reset();
        Volatile.Write(ref _completed, 0);
        Volatile.Write(ref _holdsLock, 1);
        return _completion.Version;
    }

    /// <summary>Publishes the result; must be the last thing the operation does with its state.</summary>
    protected void Complete(TResult result)
    {
        Volatile.Write(ref _completed, 1);
        _completion.SetResult(result);
    }

    /// <summary>Publishes the failure; must be the last thing the operation does with its state.</summary>
    protected void Complete(Exception error)
    {
        Volatile.Write(ref _completed, 1);
        _completion.SetException(error);
    }

    /// <summary>For a close that cannot wait: frees the lock of an operation that completed but
    /// whose task was never awaited (a caller's bug, which must not hang the close).</summary>
    public void ReleaseIfAbandoned()
    {
        if (Volatile.Read(ref _completed) == 1)
        {
            ReleaseLock();
        }
    }

    private TResult TakeResult(short token)
    {
        if (token != _completion.Version)
        {
            throw new InvalidOperationException("The result of this operation was already taken; its task can be awaited only once.");
        }
        if (_completion.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            // Asked before completion (a blocking .Result on a pending task): the operation still
            // owns the lock and its state, so nothing may be released.
            throw new InvalidOperationException("The operation has not completed; await its task.");
        }
        try
        {
            return _completion.GetResult(token);
        }
        finally
        {
            ReleaseLock();
        }
    }

    private void ReleaseLock()
    {
        if (Interlocked.Exchange(ref _holdsLock, 0) == 1)
        {
            _lock.Release();
        }
    }

    TResult IValueTaskSource<TResult>.GetResult(short token) => TakeResult(token);

    void IValueTaskSource.GetResult(short token) => TakeResult(token);

    ValueTaskSourceStatus IValueTaskSource<TResult>.GetStatus(short token) => _completion.GetStatus(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource<TResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _completion.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _completion.OnCompleted(continuation, state, token, flags);
}
