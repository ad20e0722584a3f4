using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

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
/// the socket (<see cref="SocketWakeSignal"/>).</para>
/// <para>Single reader, as every <see cref="PipeReader"/>; <see cref="CancelPendingRead"/> may come from any thread.</para>
/// </remarks>
internal sealed class RingInputReader : PipeReader
{
    /// <summary>How long one futex sleep lasts before the thread looks whether it was released.</summary>
    private const long SleepSliceNanoseconds = 100_000_000;

    private readonly RingConsumer _ring;
    private readonly SocketWakeSignal _wake = new();
    private readonly Func<bool> _peerGone;
    /// <summary>The last buffer handed out and the ring position it starts at: AdvanceTo's positions are offsets into it.</summary>
    private ReadOnlySequence<byte> _buffer;
    private long _bufferStart;
    /// <summary>Bytes before this position were examined: a read waits for more unless the peer left.</summary>
    private long _examined;
    private int _cancelNextRead;
    private bool _completed;

    public RingInputReader(RingConsumer ring, Func<bool> peerGone)
    {
        _ring = ring;
        _peerGone = peerGone;
        _examined = ring.Position;
    }

    /// <summary>Whether the read being started may block the caller's thread. Set once by the connection.</summary>
    public Func<bool> ReadsMayBlock { get; set; } = static () => false;

    public long SpinTicks { get; set; }

    /// <summary>Set when the peer broke the protocol outside the ring (on the socket): the next read throws it.</summary>
    public TransportException? Fault { get; set; }

    /// <summary>Wakes an asynchronous wait for data (the socket thread, on the peer's wake-up record).</summary>
    public void OnWake() => _wake.Signal();

    /// <summary>The peer left: every wait for data ends (there will be none).</summary>
    public void OnPeerGone()
    {
        _ring.WakeLocalSleeper();
        _wake.Signal();
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
        return ReadsMayBlock()
            ? new ValueTask<ReadResult>(ReadBlocking(cancellationToken))
            : ReadWhenWokenAsync(cancellationToken);
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
        return ReadDirectWhenWokenAsync(destination, cancellationToken);
    }

    private int AfterDirect(int copied)
    {
        _examined = _ring.Position;
        return copied;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReadDirectWhenWokenAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            await WaitForWakeAsync(cancellationToken).ConfigureAwait(false);
            var ended = _peerGone();
            var copied = _ring.CopyOut(destination.Span);
            if (copied > 0 || ended || Volatile.Read(ref _cancelNextRead) != 0)
            {
                return AfterDirect(copied);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadWhenWokenAsync(CancellationToken cancellationToken)
    {
        while (!Ready())
        {
            await WaitForWakeAsync(cancellationToken).ConfigureAwait(false);
        }
        return Take();
    }

    private ValueTask WaitForWakeAsync(CancellationToken cancellationToken)
    {
        var wait = _wake.WaitAsync(cancellationToken);
        _ring.Arm(RingWaiters.OnSocket);
        if (Ready() || _ring.Available > 0)
        {
            _wake.Signal(); // arrived while arming: no wake-up will be sent for it
        }
        return wait;
    }

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
        _wake.Signal();
    }

    public override void Complete(Exception? exception = null) => _completed = true;
}
