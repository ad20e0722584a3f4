using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// The input of a shared-memory connection: a <see cref="PipeReader"/> whose buffer is the ring itself.
/// A read returns what the peer published, in place (no copy: the framing layer hands a message that
/// fits the ring to the caller as it lies there), and consuming releases ring space to the writer.
/// </summary>
/// <remarks>
/// <para>Waiting: a synchronous receive (the framing layer's <c>ReceiveMayBlock</c>) waits on the
/// caller's thread: it looks for <see cref="TransportOptions.ReceiveSpinTime"/>, then sleeps on the
/// ring's futex, in slices, so that a failure, the caller's token or the peer leaving (the socket
/// thread wakes the futex) always lets it go. An asynchronous one waits for a wake-up record on
/// the socket; this object is its reusable completion, so that waiting allocates nothing.</para>
/// <para>Single reader, as every <see cref="PipeReader"/>; <see cref="CancelPendingRead"/> may come from any thread.</para>
/// </remarks>
internal sealed class RingInputReader : PipeReader, IValueTaskSource<ReadResult>, IValueTaskSource<int>, IThreadPoolWorkItem
{
    /// <summary>How long one futex sleep lasts before the thread looks whether it was released.</summary>
    private const long SleepSliceNanoseconds = 100_000_000;

    private readonly RingConsumer _ring;
    private const int WaitingRead = 1;
    private const int WaitingDirect = 2;

    private readonly Func<bool> _peerGone;
    /// <summary>The last buffer handed out and the ring position it starts at: AdvanceTo's positions are offsets into it.</summary>
    private ReadOnlySequence<byte> _buffer;
    private long _bufferStart;
    /// <summary>Bytes before this position were examined: a read waits for more unless the peer left.</summary>
    private long _examined;
    private int _cancelNextRead;
    private bool _completed;

    /// <summary>The asynchronous read waiting for a wake-up, if any (<see cref="WaitingRead"/>,
    /// <see cref="WaitingDirect"/>), and its completion: reset per wait, so waiting allocates nothing.</summary>
    private int _waiting;
    private ManualResetValueTaskSourceCore<ReadResult> _pendingRead;
    private ManualResetValueTaskSourceCore<int> _pendingDirect;
    private Memory<byte> _directDestination;
    private CancellationToken _waitToken;
    private CancellationTokenRegistration _waitRegistration;
    private volatile bool _waitCancelled;
    private int _completionQueued;

    public RingInputReader(RingConsumer ring, Func<bool> peerGone)
    {
        _ring = ring;
        _peerGone = peerGone;
        _examined = ring.Position;
        // Completions run on a thread-pool thread already (ScheduleCompletion): the caller's continuation runs there too.
        _pendingRead.RunContinuationsAsynchronously = false;
        _pendingDirect.RunContinuationsAsynchronously = false;
    }

    /// <summary>Whether the read being started may block the caller's thread. Set once by the connection.</summary>
    public Func<bool> ReadsMayBlock { get; set; } = static () => false;

    public long SpinTicks { get; set; }

    /// <summary>Set when the peer broke the protocol outside the ring (on the socket): the next read throws it.</summary>
    public TransportException? Fault { get; set; }

    /// <summary>Wakes an asynchronous wait for data (the socket thread, on the peer's wake-up record).</summary>
    public void OnWake() => ScheduleCompletion();

    /// <summary>The peer left: every wait for data ends (there will be none).</summary>
    public void OnPeerGone()
    {
        _ring.WakeLocalSleeper();
        ScheduleCompletion();
    }

    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        result = Take();
        return true;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }
        if (Ready())
        {
            return new ValueTask<ReadResult>(Take());
        }
        if (ReadsMayBlock())
        {
            return new ValueTask<ReadResult>(ReadBlocking(cancellationToken));
        }
        _pendingRead.Reset();
        var version = _pendingRead.Version;
        BeginWait(WaitingRead, cancellationToken);
        return new ValueTask<ReadResult>(this, version);
    }

    /// <summary>Copies published bytes into <paramref name="destination"/> and releases them, waiting
    /// for some when none are there: the direct path of bulk payloads (one copy, out of the ring).
    /// Returns 0 when the peer left (or the read was cancelled by a failure) and nothing is left.</summary>
    public ValueTask<int> ReadDirectAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        // Whether the peer left is read before the ring (see Take).
        var ended = _peerGone();
        var copied = _ring.CopyOut(destination.Span);
        if (copied > 0 || destination.IsEmpty || ended || Volatile.Read(ref _cancelNextRead) != 0)
        {
            return new ValueTask<int>(AfterDirect(copied));
        }
        if (ReadsMayBlock())
        {
            WaitBlocking(direct: true, cancellationToken);
            return new ValueTask<int>(AfterDirect(_ring.CopyOut(destination.Span)));
        }
        _pendingDirect.Reset();
        var version = _pendingDirect.Version;
        _directDestination = destination;
        BeginWait(WaitingDirect, cancellationToken);
        return new ValueTask<int>(this, version);
    }

    private int AfterDirect(int copied)
    {
        _examined = _ring.Position;
        return copied;
    }

    // ----------------------------------------------------------------- asynchronous waits

    /// <summary>Starts an asynchronous wait of <paramref name="kind"/>: arms the ring for a socket wake-up,
    /// then looks once more (what arrived while arming sends no wake-up), completing at once if it can.</summary>
    private void BeginWait(int kind, CancellationToken cancellationToken)
    {
        _waitCancelled = false;
        _waitToken = cancellationToken;
        _waitRegistration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state =>
            {
                var reader = (RingInputReader)state!;
                reader._waitCancelled = true;
                reader.ScheduleCompletion();
            }, this)
            : default;
        Volatile.Write(ref _waiting, kind);
        _ring.Arm(RingWaiters.OnSocket);
        TryCompleteWait();
    }

    /// <summary>Runs <see cref="TryCompleteWait"/> on the thread pool (never on the socket thread, which must
    /// stay free to notice the peer leaving); this object is the work item, so queueing allocates nothing.</summary>
    private void ScheduleCompletion()
    {
        if (Volatile.Read(ref _waiting) != 0 && Interlocked.Exchange(ref _completionQueued, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        Volatile.Write(ref _completionQueued, 0);
        TryCompleteWait();
    }

    /// <summary>Completes the waiting read if it can now (data, the peer gone, a failure, its token);
    /// otherwise re-arms the ring and leaves it waiting. Whoever wins the exchange completes it, once.</summary>
    private void TryCompleteWait()
    {
        var kind = Volatile.Read(ref _waiting);
        if (kind == 0)
        {
            return;
        }
        if (!_waitCancelled && !ReadyOrBroken(kind))
        {
            _ring.Arm(RingWaiters.OnSocket);
            if (!ReadyOrBroken(kind))
            {
                return;
            }
        }
        if (Interlocked.CompareExchange(ref _waiting, 0, kind) != kind)
        {
            return;
        }
        _waitRegistration.Unregister();
        _waitRegistration = default;
        if (kind == WaitingRead)
        {
            CompleteRead();
        }
        else
        {
            CompleteDirect();
        }
    }

    /// <summary>Whether the wait can complete; a ring the peer corrupted completes it too (the completion
    /// then reports the violation), since this runs on a pool thread where an exception would end the process.</summary>
    private bool ReadyOrBroken(int kind)
    {
        try
        {
            return ReadyFor(kind == WaitingDirect);
        }
        catch (TransportException)
        {
            return true;
        }
    }

    private void CompleteRead()
    {
        if (_waitCancelled)
        {
            _pendingRead.SetException(new OperationCanceledException(_waitToken));
            return;
        }
        ReadResult result;
        try
        {
            result = Take();
        }
#pragma warning disable CA1031 // Whatever the ring reports (a corrupted position) is the read's result.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _pendingRead.SetException(exception);
            return;
        }
        _pendingRead.SetResult(result);
    }

    private void CompleteDirect()
    {
        var destination = _directDestination;
        _directDestination = default; // the caller's buffer: not ours to keep
        if (_waitCancelled)
        {
            _pendingDirect.SetException(new OperationCanceledException(_waitToken));
            return;
        }
        int copied;
        try
        {
            copied = AfterDirect(_ring.CopyOut(destination.Span));
        }
#pragma warning disable CA1031 // As above.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _pendingDirect.SetException(exception);
            return;
        }
        _pendingDirect.SetResult(copied);
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _pendingRead.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _pendingRead.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _pendingRead.OnCompleted(continuation, state, token, flags);

    int IValueTaskSource<int>.GetResult(short token) => _pendingDirect.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _pendingDirect.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _pendingDirect.OnCompleted(continuation, state, token, flags);

    private ReadResult ReadBlocking(CancellationToken cancellationToken)
    {
        WaitBlocking(direct: false, cancellationToken);
        return Take();
    }

    /// <summary>Spins, then sleeps on the futex, until something to read is there (new bytes, or for a
    /// direct read any bytes), the peer left, or a failure cancelled the read.</summary>
    private void WaitBlocking(bool direct, CancellationToken cancellationToken)
    {
        if (BoundedSpin.Until(static state => state.Item1.ReadyFor(state.Item2), (this, direct), SpinTicks))
        {
            return;
        }
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var seen = _ring.DataSignalValue;
            _ring.Arm(RingWaiters.OnFutex);
            if (ReadyFor(direct))
            {
                return;
            }
            _ring.SleepUntilSignalled(seen, SleepSliceNanoseconds);
            if (ReadyFor(direct))
            {
                return;
            }
        }
    }

    private bool ReadyFor(bool direct) => direct
        ? _ring.Available > 0 || _peerGone() || Volatile.Read(ref _cancelNextRead) != 0
        : Ready();

    /// <summary>A read would complete now: unexamined bytes, the peer gone, or a cancellation to report.</summary>
    private bool Ready()
        => Volatile.Read(ref _cancelNextRead) != 0 || Fault is not null || _peerGone() || _ring.Position + _ring.Available > _examined;

    private ReadResult Take()
    {
        if (Fault is { } fault)
        {
            throw fault;
        }
        // Whether the peer left is read before the ring: everything it published before leaving is then seen.
        var ended = _peerGone();
        _buffer = _ring.Published(out _bufferStart);
        var cancelled = Interlocked.Exchange(ref _cancelNextRead, 0) != 0;
        return new ReadResult(_buffer, cancelled, ended);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var consumedAt = _bufferStart + OffsetInBuffer(consumed);
        var examinedAt = _bufferStart + OffsetInBuffer(examined);
        Debug.Assert(examinedAt >= consumedAt);
        _examined = Math.Max(examinedAt, consumedAt);
        _ring.Release(consumedAt);
        _buffer = _buffer.Slice(consumed);
        _bufferStart = consumedAt;
    }

    /// <summary>Where <paramref name="position"/> lies in the last buffer. Not <c>GetOffset</c>: for a
    /// single-segment sequence over a slice of memory that returns the index into the whole memory.</summary>
    private long OffsetInBuffer(SequencePosition position)
    {
        var offset = position.GetObject() is null ? 0 : position.GetInteger() - _buffer.Start.GetInteger();
        if ((ulong)offset > (ulong)_buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(position), "The position is not in the buffer of the last read.");
        }
        return offset;
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelNextRead, 1);
        _ring.WakeLocalSleeper();
        ScheduleCompletion();
    }

    public override void Complete(Exception? exception = null) => _completed = true;
}
