using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Orion.Transport.Tcp;

/// <summary>
/// Sends a frame header and a large payload with one vectored send call (sendmsg with two iovecs),
/// so that a frame just over the coalescing size leaves as one write, as a raw socket's single send
/// would, instead of a header segment followed by the payload. One instance per connection, reused
/// for every such send (the send lock guarantees one at a time), so a send allocates nothing.
/// </summary>
internal sealed class VectoredSocketSender : SocketAsyncEventArgs, IValueTaskSource
{
    private readonly Socket _socket;
    /// <summary>Reused as the BufferList: the setter copies it into the event args' own reused list.</summary>
    private readonly ArraySegment<byte>[] _segments = new ArraySegment<byte>[2];
    private ManualResetValueTaskSourceCore<bool> _completion;
    private CancellationToken _cancellationToken;
    private CancellationTokenRegistration _cancellation;
    private long _expectedBytes;

    public VectoredSocketSender(Socket socket)
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        _socket = socket;
        // Complete on the socket's completion thread: the awaiting send loop is short and must not
        // wait for a thread-pool hop before the next frame can go out.
        _completion.RunContinuationsAsynchronously = false;
    }

    /// <summary>Sends <paramref name="first"/> then <paramref name="second"/> in one call. Both must stay
    /// unchanged until the returned task completes. Cancelling aborts the socket (a frame may be
    /// partly out, so the connection cannot continue anyway) and surfaces as cancellation.</summary>
    public ValueTask SendAsync(ArraySegment<byte> first, ArraySegment<byte> second, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _segments[0] = first;
        _segments[1] = second;
        _expectedBytes = (long)first.Count + second.Count;
        BufferList = _segments;
        _completion.Reset();
        _cancellationToken = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(static state => ((Socket)state!).Dispose(), _socket);
        }
        if (!_socket.SendAsync(this))
        {
            // Completed synchronously: OnCompleted is not called.
            var error = Finish();
            return error is null ? ValueTask.CompletedTask : ValueTask.FromException(error);
        }
        return new ValueTask(this, _completion.Version);
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        var error = Finish();
        if (error is null)
        {
            _completion.SetResult(true);
        }
        else
        {
            _completion.SetException(error);
        }
    }

    /// <summary>Ends one send: drops the registration and the caller's buffers, and says how it failed.</summary>
    private Exception? Finish()
    {
        _cancellation.Dispose();
        _cancellation = default;
        BufferList = null;
        _segments[0] = _segments[1] = default;
        if (SocketError == SocketError.Success)
        {
            // Stream sockets send the whole buffer list before completing; anything less would be
            // a torn frame, reported rather than silently continued.
            return BytesTransferred == _expectedBytes ? null
                : new SocketException((int)SocketError.MessageSize);
        }
        if (_cancellationToken.IsCancellationRequested)
        {
            return new OperationCanceledException(_cancellationToken);
        }
        return new SocketException((int)SocketError);
    }

    void IValueTaskSource.GetResult(short token) => _completion.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _completion.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _completion.OnCompleted(continuation, state, token, flags);
}
