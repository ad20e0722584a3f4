using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Orion.Transport.Tcp;

/// <summary>
/// The input side of a TCP connection: a <see cref="PipeReader"/> over one contiguous receive
/// buffer that the connection owns for its lifetime, filled straight from the socket.
/// </summary>
/// <remarks>
/// <para>Why not <c>PipeReader.Create(NetworkStream)</c>: that reader rents a segment from the shared
/// array pool for every read and returns it when consumed, and awaits the stream through nested
/// pooled async methods. On a many-core host the continuations hop between threads, the pools'
/// per-thread caches miss, and a steady message exchange allocated about 30 bytes per round trip.
/// Here a read is one socket receive into the fixed buffer, and the pending read is this object
/// itself (an <see cref="IValueTaskSource{TResult}"/> reset per read): nothing is allocated per read.</para>
/// <para>The buffer holds at most one frame that is being assembled plus whatever followed it in the
/// same receive; a frame that cannot fit is the framing layer's job to read directly
/// (<see cref="Orion.Transport.Streams.StreamTransportConnection.InputBufferSize"/>, set to this
/// buffer's size). Consumed bytes free the buffer: when everything is consumed the next receive
/// starts at offset 0, otherwise the unconsumed tail is moved to the front only when the space
/// behind it runs short.</para>
/// <para>Single reader, as every <see cref="PipeReader"/>: the framing layer's receive lock
/// guarantees one read at a time. <see cref="CancelPendingRead"/> may come from any thread.</para>
/// </remarks>
internal sealed class SocketInputReader : PipeReader, IValueTaskSource<ReadResult>
{
    /// <summary>Receive only when at least this much room is free behind the buffered bytes; else the
    /// buffered bytes move to the front first, so a receive is never a trickle of a few bytes.</summary>
    private const int MinimumReceiveSize = 4096;

    private readonly Socket _socket;
    private readonly byte[] _buffer;
    private readonly Action _onReceiveCompleted;
    /// <summary>Guards the offsets and flags below: a socket receive may complete, and
    /// <see cref="CancelPendingRead"/> may be called, on other threads than the reader's.</summary>
    private readonly Lock _stateLock = new();
    private ManualResetValueTaskSourceCore<ReadResult> _pendingRead;
    private ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter _receive;

    /// <summary>Offsets into <see cref="_buffer"/>: unconsumed bytes are [_start, _end); bytes before
    /// _examined were seen by the reader, so a read waits for new bytes unless more are buffered.</summary>
    private int _start;
    private int _end;
    private int _examined;

    /// <summary>A read is waiting on <see cref="_pendingRead"/>.</summary>
    private bool _readerWaiting;
    /// <summary>A socket receive into [_end, ..) is in flight. It can outlive the read that started
    /// it (<see cref="CancelPendingRead"/>); the next read then waits for it instead of starting another.</summary>
    private bool _receiveOutstanding;
    private bool _cancelNextRead;
    /// <summary>The waiting read's token and its registration (only for a token that can be cancelled).</summary>
    private CancellationToken _readToken;
    private CancellationTokenRegistration _readCancellation;
    private bool _socketEnded;
    private Exception? _receiveError;
    private bool _readerCompleted;

    /// <summary>Whether the read being started may block the caller's thread (a synchronous receive of
    /// the connection; see <c>StreamTransportConnection.ReadsCanBlock</c>). Set once by the connection.</summary>
    public Func<bool> ReadsMayBlock { get; set; } = static () => false;

    public SocketInputReader(Socket socket, int bufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 2 * MinimumReceiveSize);
        _socket = socket;
        // Pinned: the socket pins its receive buffer for every call; a pinned-heap array costs nothing to pin.
        _buffer = GC.AllocateUninitializedArray<byte>(bufferSize, pinned: true);
        _onReceiveCompleted = OnReceiveCompleted;
        // Complete on the socket's completion thread: the framing layer's continuation parses the
        // frame and hands it to the caller, no reason to queue it behind other work first.
        _pendingRead.RunContinuationsAsynchronously = false;
    }

    /// <summary>Bytes received and not yet consumed (the tests check the buffer's bookkeeping with it).</summary>
    public int BufferedBytes
    {
        get
        {
            lock (_stateLock)
            {
                return _end - _start;
            }
        }
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfCompleted();
        lock (_stateLock)
        {
            if (_cancelNextRead)
            {
                _cancelNextRead = false;
                result = new ReadResult(Buffered(), isCanceled: true, _socketEnded);
                return true;
            }
            if (_end > _start || _socketEnded)
            {
                result = new ReadResult(Buffered(), isCanceled: false, _socketEnded);
                return true;
            }
            if (_receiveError is not null)
            {
                throw _receiveError;
            }
        }
        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }
        bool startReceive;
        short version;
        lock (_stateLock)
        {
            if (_readerWaiting)
            {
                throw new InvalidOperationException("A read is already in progress on this connection's input.");
            }
            if (_cancelNextRead)
            {
                _cancelNextRead = false;
                return new ValueTask<ReadResult>(new ReadResult(Buffered(), isCanceled: true, _socketEnded));
            }
            if (_end > _examined || _socketEnded)
            {
                return new ValueTask<ReadResult>(new ReadResult(Buffered(), isCanceled: false, _socketEnded));
            }
            if (_receiveError is not null)
            {
                return ValueTask.FromException<ReadResult>(_receiveError);
            }
            // A receive left in flight by a cancelled read is this read's receive; otherwise start one
            // (making room first, which may refuse before anything changed).
            startReceive = !_receiveOutstanding;
            if (startReceive)
            {
                MakeRoomToReceive();
                _receiveOutstanding = true;
            }
            _pendingRead.Reset();
            version = _pendingRead.Version;
            _readerWaiting = true;
            _readToken = cancellationToken;
        }
        if (cancellationToken.CanBeCanceled)
        {
            // The socket receive itself never gets the caller's token: cancelling releases this read
            // and leaves the receive in flight for the next one, so no bytes are lost either way.
            var registration = cancellationToken.UnsafeRegister(static state => ((SocketInputReader)state!).OnReadCancelled(), this);
            lock (_stateLock)
            {
                if (_readerWaiting && _pendingRead.Version == version)
                {
                    _readCancellation = registration;
                    registration = default;
                }
            }
            registration.Unregister(); // the read already ended (an adopted receive completed, or the token fired)
        }
        if (startReceive && ReadsMayBlock())
        {
            ReceiveBlocking();
        }
        else if (startReceive)
        {
            ValueTask<int> receive;
            try
            {
                receive = _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, CancellationToken.None);
            }
#pragma warning disable CA1031 // The socket refused the call outright (disposed by a failure elsewhere): that is the read's result.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                receive = ValueTask.FromException<int>(exception);
            }
            if (receive.IsCompleted)
            {
                // Completes the source before anyone waits on it: the caller sees a completed ValueTask.
                CompleteReceive(receive.ConfigureAwait(false).GetAwaiter());
            }
            else
            {
                _receive = receive.ConfigureAwait(false).GetAwaiter();
                _receive.UnsafeOnCompleted(_onReceiveCompleted);
            }
        }
        return new ValueTask<ReadResult>(this, version);
    }

    /// <summary>
    /// Receives on the reader's own thread (the socket is non-blocking for synchronous calls): what the
    /// socket holds, else a poll of this thread until it is readable, so that arriving bytes wake the
    /// thread that waits for them directly. Between polls it looks whether the read was released
    /// (<see cref="CancelPendingRead"/>, the token): then no receive is left in flight, and the release
    /// completes the read as it does for an asynchronous one.
    /// </summary>
    private void ReceiveBlocking()
    {
        try
        {
            while (true)
            {
                var received = _socket.Receive(_buffer.AsSpan(_end), SocketFlags.None, out var error);
                if (error == SocketError.Success)
                {
                    Complete(received, null);
                    return;
                }
                if (error != SocketError.WouldBlock)
                {
                    Complete(0, new SocketException((int)error));
                    return;
                }
                while (!_socket.Poll(TcpConnection.BlockingPollSliceMicroseconds, SelectMode.SelectRead))
                {
                    lock (_stateLock)
                    {
                        if (!_readerWaiting)
                        {
                            _receiveOutstanding = false;
                            return;
                        }
                    }
                }
            }
        }
#pragma warning disable CA1031 // Whatever the socket throws (disposed by a failure elsewhere) is the read's result.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Complete(0, exception);
        }
    }

    /// <summary>The waiting read's token was cancelled: releases that read (not the socket receive).</summary>
    private void OnReadCancelled()
    {
        CancellationToken token;
        lock (_stateLock)
        {
            if (!_readerWaiting || !_readToken.IsCancellationRequested)
            {
                return; // That read had already completed.
            }
            _readerWaiting = false;
            token = _readToken;
            _readCancellation = default; // we are its callback: nothing to unregister
        }
        ReleaseWaitingReadLater(default, new OperationCanceledException(token));
    }

    /// <summary>Completes a read released by cancellation on the thread pool, not on the thread that
    /// cancelled: that thread (an abort, a timer) must not run the reader's continuation, which may
    /// need what the cancelling thread holds.</summary>
    private void ReleaseWaitingReadLater(ReadResult result, Exception? error)
        => ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            if (state.Error is null)
            {
                state.Reader._pendingRead.SetResult(state.Result);
            }
            else
            {
                state.Reader._pendingRead.SetException(state.Error);
            }
        }, (Reader: this, Result: result, Error: error), preferLocal: false);

    private void OnReceiveCompleted()
    {
        var receive = _receive;
        _receive = default;
        CompleteReceive(receive);
    }

    private void CompleteReceive(ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter receive)
    {
        int received;
        Exception? error = null;
        try
        {
            received = receive.GetResult();
        }
#pragma warning disable CA1031 // Whatever the socket throws is the read's result, reported to the reader.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            received = 0;
            error = exception;
        }
        Complete(received, error);
    }

    /// <summary>Records what a receive brought (bytes, end of stream or a failure) and wakes the
    /// waiting read, if a cancellation has not released it already.</summary>
    private void Complete(int received, Exception? error)
    {
        ReadResult result = default;
        Exception? failure;
        CancellationTokenRegistration registration;
        lock (_stateLock)
        {
            _receiveOutstanding = false;
            if (error is not null)
            {
                _receiveError = error;
            }
            else if (received == 0)
            {
                _socketEnded = true;
            }
            _end += received;
            if (!_readerWaiting)
            {
                return; // The read was cancelled; these bytes wait for the next one.
            }
            _readerWaiting = false;
            registration = _readCancellation;
            _readCancellation = default;
            failure = _receiveError;
            if (failure is null)
            {
                result = new ReadResult(Buffered(), isCanceled: false, _socketEnded);
            }
        }
        registration.Unregister(); // not Dispose: that would wait for a callback blocked on our lock
        if (failure is null)
        {
            _pendingRead.SetResult(result);
        }
        else
        {
            _pendingRead.SetException(failure);
        }
    }

    /// <summary>Ensures room behind the buffered bytes for a receive, preferably a worthwhile one.
    /// Only while no receive is in flight (it writes behind _end).</summary>
    private void MakeRoomToReceive()
    {
        if (_start == _end)
        {
            _start = _end = _examined = 0;
            return;
        }
        if (_buffer.Length - _end >= MinimumReceiveSize)
        {
            return;
        }
        if (_start > 0)
        {
            var length = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, length);
            _examined -= _start;
            _start = 0;
            _end = length;
            return;
        }
        if (_end == _buffer.Length)
        {
            // Everything buffered was examined and is still wanted: the frame is larger than the
            // buffer, which the framing layer's direct-read threshold rules out.
            throw new InvalidOperationException(
                $"The input buffer ({_buffer.Length} bytes) is full with an incomplete frame; frames this large must be read directly.");
        }
        // The front of a frame fills most of the buffer: receive its rest into the room left.
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ThrowIfCompleted();
        lock (_stateLock)
        {
            var consumedOffset = OffsetOf(consumed);
            var examinedOffset = OffsetOf(examined);
            if (consumedOffset < _start || examinedOffset < consumedOffset)
            {
                throw new InvalidOperationException("AdvanceTo was given positions that go backwards.");
            }
            _start = consumedOffset;
            _examined = Math.Max(_examined, examinedOffset);
        }
    }

    /// <summary>Where a position of a sequence this reader returned points in the buffer.</summary>
    private int OffsetOf(SequencePosition position)
    {
        if (position.GetObject() is { } owner && !ReferenceEquals(owner, _buffer))
        {
            throw new InvalidOperationException("The position does not belong to this reader's buffer.");
        }
        var offset = position.GetInteger();
        if ((uint)offset > (uint)_end)
        {
            throw new InvalidOperationException("The position is outside the buffered bytes.");
        }
        return offset;
    }

    public override void CancelPendingRead()
    {
        ReadResult result;
        CancellationTokenRegistration registration;
        lock (_stateLock)
        {
            if (!_readerWaiting)
            {
                _cancelNextRead = true;
                return;
            }
            // The socket receive stays in flight (the next read adopts it); the waiting read is
            // released with a cancelled result, as a pipe's reader would be.
            _readerWaiting = false;
            registration = _readCancellation;
            _readCancellation = default;
            result = new ReadResult(Buffered(), isCanceled: true, _socketEnded);
        }
        registration.Unregister();
        ReleaseWaitingReadLater(result, null);
    }

    public override void Complete(Exception? exception = null) => _readerCompleted = true;

    private ReadOnlySequence<byte> Buffered() => new(_buffer, _start, _end - _start);

    private void ThrowIfCompleted()
    {
        if (_readerCompleted)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _pendingRead.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _pendingRead.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _pendingRead.OnCompleted(continuation, state, token, flags);
}
