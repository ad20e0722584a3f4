using System.Threading.Tasks.Sources;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// What an asynchronous ring operation awaits when it must wait (for data, or for room): completed by
/// the connection's socket thread when the peer sends a wake-up, by a failure, or by the caller's
/// token. One per direction, reset per wait: waiting allocates nothing (a cancellable token's
/// registration aside). Continuations run on the thread pool, never on the socket thread, which
/// must stay free to notice the peer leaving.
/// </summary>
internal sealed class SocketWakeSignal : IValueTaskSource
{
    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _core;
    private bool _armed;
    private CancellationToken _token;
    private CancellationTokenRegistration _registration;

    public SocketWakeSignal()
    {
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>Starts a wait. The caller then arms the ring's waiting word and looks once more at
    /// what it waits for, calling <see cref="Signal"/> itself when it is there already.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        short version;
        lock (_lock)
        {
            _core.Reset();
            version = _core.Version;
            _armed = true;
            _token = cancellationToken;
        }
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.UnsafeRegister(static state => ((SocketWakeSignal)state!).Cancel(), this);
            lock (_lock)
            {
                if (_armed && _core.Version == version)
                {
                    _registration = registration;
                    registration = default;
                }
            }
            registration.Unregister();
        }
        return new ValueTask(this, version);
    }

    /// <summary>Ends the wait in progress, if any (spurious wake-ups are harmless: the waiter looks again).</summary>
    public void Signal() => Finish(null);

    private void Cancel() => Finish(new OperationCanceledException(_token));

    private void Finish(Exception? error)
    {
        CancellationTokenRegistration registration;
        lock (_lock)
        {
            if (!_armed)
            {
                return;
            }
            _armed = false;
            registration = _registration;
            _registration = default;
        }
        registration.Unregister();
        if (error is null)
        {
            _core.SetResult(true);
        }
        else
        {
            _core.SetException(error);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
