using System.Threading.Tasks.Sources;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// Runs a benchmark's measured body inside one long-running async method, one pass per
/// BenchmarkDotNet invocation, so that the harness itself allocates nothing per invocation.
/// </summary>
/// <remarks>
/// <para>Why: an async benchmark method (and every async helper it awaits) needs a state-machine
/// box per call that suspends. The pooling builder caches those boxes per thread and per core, but
/// on a many-core host the continuations hop between threads and the caches miss: the raw-socket
/// baseline itself showed about 8 bytes per round trip on the 16-core host, which would hide
/// whether the transport allocates. A long-running method is boxed once; awaiting inside it is free.</para>
/// <para>The body is written as <c>while (await loop.WaitForInvocationAsync()) { ... }</c>. An
/// invocation (<see cref="InvokeAsync"/>) releases the loop on the caller's thread, which runs the
/// body until its first real wait, as a plain async call would; the invocation completes when the
/// body asks for the next one. Both hand-offs are reset-and-reuse completion sources.</para>
/// </remarks>
internal sealed class MeasuredLoop : IValueTaskSource<bool>, IValueTaskSource
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int Stopped = 2;

    private ManualResetValueTaskSourceCore<bool> _invocation;
    private ManualResetValueTaskSourceCore<bool> _completion;
    private readonly Task _loop;
    private int _state;

    /// <param name="body">The loop: <c>while (await loop.WaitForInvocationAsync()) { one invocation's work }</c>.
    /// Started here; it must reach its first <see cref="WaitForInvocationAsync"/> before doing any work.</param>
    public MeasuredLoop(Func<MeasuredLoop, Task> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        // Both sides continue inline: the invoking thread runs the body, the body's last thread
        // completes the invocation, exactly the threads an ordinary async call would use.
        _invocation.RunContinuationsAsynchronously = false;
        _completion.RunContinuationsAsynchronously = false;
        _loop = body(this);
        _loop.ContinueWith(static (loop, state) => ((MeasuredLoop)state!).OnLoopEnded(loop), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The benchmark method: runs one pass of the body.</summary>
    public ValueTask InvokeAsync()
    {
        if (_loop.IsCompleted)
        {
            return ValueTask.FromException(LoopEndedException());
        }
        if (Interlocked.CompareExchange(ref _state, Running, Idle) != Idle)
        {
            throw new InvalidOperationException("The measured loop is already running an invocation (or stopped).");
        }
        _completion.Reset();
        var completion = new ValueTask(this, _completion.Version);
        _invocation.SetResult(true);
        return completion;
    }

    /// <summary>Called by the body: completes the invocation in progress (if any) and waits for the
    /// next one; false when the loop is to end.</summary>
    public ValueTask<bool> WaitForInvocationAsync()
    {
        _invocation.Reset(); // before completing: the completed caller may invoke again at once
        var next = new ValueTask<bool>(this, _invocation.Version);
        if (Interlocked.CompareExchange(ref _state, Idle, Running) == Running)
        {
            _completion.SetResult(true);
        }
        return next;
    }

    /// <summary>Ends the loop after the invocation in progress, if any, and waits for it to end.</summary>
    public void Stop()
    {
        if (Interlocked.CompareExchange(ref _state, Stopped, Idle) == Idle)
        {
            _invocation.SetResult(false);
        }
        if (!_loop.Wait(TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException("The measured loop did not end.");
        }
    }

    private void OnLoopEnded(Task loop)
    {
        // A body that throws ends the loop: the invocation it was running fails with its exception.
        if (Interlocked.Exchange(ref _state, Stopped) == Running)
        {
            _completion.SetException(loop.Exception?.InnerException ?? LoopEndedException());
        }
    }

    private InvalidOperationException LoopEndedException()
        => new("The measured loop has ended.", _loop.Exception?.InnerException);

    bool IValueTaskSource<bool>.GetResult(short token) => _invocation.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _invocation.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _invocation.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _completion.OnCompleted(continuation, state, token, flags);
}
