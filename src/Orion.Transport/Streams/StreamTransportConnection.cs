using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Orion.Transport.Streams;

/// <summary>
/// The base of a transport over a reliable, ordered byte stream (TCP and the in-memory transport
/// derive from it). It owns everything above the bytes: the stream framing, the limits (checked
/// before anything is allocated), the error model (the first failure wins and sticks), idle
/// timeout and keepalive, and graceful close, so every stream transport behaves the same and
/// passes the same conformance suite. A subclass supplies only the stream: a pull-based
/// <see cref="PipeReader"/> for its input, <see cref="WriteFrameAsync"/> for its output, and how
/// the stream is ended (<see cref="OnFailed"/>, <see cref="ShutdownOutput"/>, <see cref="ReleaseStream"/>).
/// </summary>
/// <remarks>
/// <para>The frame format is not part of this contract: <see cref="WriteFrameAsync"/> receives
/// each frame's header as opaque bytes to write in front of its payload, and the input is parsed
/// here. A subclass therefore never depends on the layout, and the format can change (with the
/// protocol version) without breaking one.</para>
/// <para>Receiving is pull-based: nothing is read until the caller asks, so unread data stays in the
/// stream and the sender feels backpressure, and a bulk payload can be read straight into the
/// caller's buffer (<see cref="CanReadDirect"/>). The idle timeout therefore counts only while a
/// receive is waiting for input.</para>
/// <para>A subclass calls <see cref="StartTimer"/> at the end of its constructor. The connection's
/// own operations are sealed, so a subclass cannot step around the framing or the error model.</para>
/// </remarks>
public abstract partial class StreamTransportConnection : TransportConnection
{
    /// <summary>How long a graceful close may wait for the close frame to leave and for the peer to finish.</summary>
    private static readonly TimeSpan GracefulCloseTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan AbandonedReceiveCheckInterval = TimeSpan.FromMilliseconds(100);

    private readonly PipeReader _input;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly SemaphoreSlim _receiveLock = new(1, 1);
    private readonly TaskCompletionSource<TransportError> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    /// <summary>The header of the frame being written: one per connection, because frames are written
    /// one at a time under the send lock, and the lock is held until the write has completed.</summary>
    private readonly byte[] _outgoingHeader = new byte[StreamFrameHeader.Size];
    private readonly long _idleTimeoutMs;
    private readonly long _keepAliveMs;
    private Timer? _timer;
    private TransportException? _fault;
    /// <summary>Bytes at the start of the input that belong to the message the caller holds: examined
    /// (so the sender is not held back by them) but consumed only when the next receive starts.</summary>
    private long _outstandingMessageBytes;
    /// <summary>Holds a large message read straight from the stream (see <see cref="InputBufferSize"/>);
    /// reused for the next one, rented from the shared pool.</summary>
    private byte[]? _directMessageBuffer;
    private long _lastInputTicks;
    private long _lastOutputTicks;
    private int _waitingForInput;
    private int _disposed;
    /// <summary>A synchronous receive (<see cref="Receive"/>, <see cref="ReceiveBulk"/>) is running: its
    /// reads of the stream may block the caller's thread. Read and written only under the receive lock.</summary>
    private bool _receiveMayBlock;

    /// <summary>Creates a connection over a stream that is already connected.</summary>
    /// <param name="input">The stream's input, pull-based: it reads only when asked. The connection
    /// completes it when it is disposed.</param>
    /// <param name="options">Limits and timers; validated here.</param>
    /// <param name="localEndpoint">This side's address, as the connection reports it.</param>
    /// <param name="remoteEndpoint">The peer's address, as the connection reports it.</param>
    protected StreamTransportConnection(PipeReader input, TransportOptions options, TransportEndpoint localEndpoint, TransportEndpoint remoteEndpoint)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(localEndpoint);
        ArgumentNullException.ThrowIfNull(remoteEndpoint);
        options.Validate();
        _input = input;
        Options = options;
        LocalEndpoint = localEndpoint;
        RemoteEndpoint = remoteEndpoint;
        _idleTimeoutMs = ToMilliseconds(options.IdleTimeout);
        _keepAliveMs = ToMilliseconds(options.KeepAliveInterval);
        _lastInputTicks = _lastOutputTicks = Environment.TickCount64;
        _receive = new ReceiveOperation(this);
        _send = new SendOperation(this);
    }

    public sealed override TransportEndpoint LocalEndpoint { get; }

    public sealed override TransportEndpoint RemoteEndpoint { get; }

    public sealed override TransportOptions Options { get; }

    public sealed override Task<TransportError> Closed => _closed.Task;

    /// <summary>Bulk bytes that bypassed the input reader (read from the stream straight into the
    /// caller's buffer); tests use it to prove the zero-copy path is taken.</summary>
    internal long BytesReadDirect { get; private set; }

    /// <summary>Writes one whole frame to the stream: <paramref name="header"/>, then
    /// <paramref name="payload"/> right behind it, and waits while the stream is full (backpressure).</summary>
    /// <remarks>Frames are written one at a time: the next call comes only after the returned task
    /// has completed. <paramref name="header"/> belongs to the connection and stays unchanged until
    /// then; <paramref name="payload"/> is the caller's. The stream's own exceptions may escape:
    /// <see cref="TranslateException"/> maps them. A cancelled or failed write ends the connection,
    /// since part of a frame may be out.</remarks>
    protected abstract ValueTask WriteFrameAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);

    /// <summary>True when a waiting read of the input completes by calling its continuation on the
    /// thread that completed it (the TCP reader), rather than by queueing it (a pipe). It affects
    /// cost, never correctness: where it is false, a waiting read resumes through a pooled state
    /// machine, because a reader that queues a plain continuation allocates a work item per wait.</summary>
    protected virtual bool InputCompletesInline => false;

    /// <summary>True when the stream can read on the calling thread, blocking it (the TCP socket): then
    /// <see cref="Receive"/> and <see cref="ReceiveBulk"/> run their reads that way, and the input
    /// reader and <see cref="ReadDirectAsync"/> block while <see cref="ReceiveMayBlock"/> is true,
    /// returning completed tasks. Such a read must still end when the pending read is cancelled
    /// (<see cref="PipeReader.CancelPendingRead"/>, which a failure calls) or its token fires.</summary>
    protected virtual bool ReadsCanBlock => false;

    /// <summary>The receive under way was started by <see cref="Receive"/> or <see cref="ReceiveBulk"/>
    /// on a thread that may block (see <see cref="ReadsCanBlock"/>).</summary>
    protected bool ReceiveMayBlock => _receiveMayBlock;

    /// <summary>The connection has failed: a read blocking the caller's thread gives up.</summary>
    protected bool HasFailed => _fault is not null;

    /// <summary>True when <see cref="ReadDirectAsync"/> reads the stream underneath the input reader:
    /// bulk payloads and large messages are then read straight into their destination.</summary>
    protected virtual bool CanReadDirect => false;

    /// <summary>The capacity of the input reader's buffer, where <see cref="CanReadDirect"/>. A message
    /// whose frame does not fit it, and has not fully arrived, is read from the stream straight into
    /// one contiguous buffer instead of through the reader: the reader would deliver it as a chain of
    /// its segments, one read call per segment, and a caller that needs it contiguous would copy it again.</summary>
    protected virtual int InputBufferSize => int.MaxValue;

    /// <summary>Reads from the stream straight into <paramref name="destination"/>, bypassing the
    /// input reader; only called where <see cref="CanReadDirect"/>, and only when that reader holds
    /// no buffered bytes. Returns 0 at end of stream.</summary>
    protected virtual ValueTask<int> ReadDirectAsync(Memory<byte> destination, CancellationToken cancellationToken)
        => throw new NotSupportedException("This stream has no direct read path.");

    /// <summary>The connection has failed for <paramref name="reason"/>: make every pending stream
    /// operation end now (never hang), and tell the peer the way the stream can (reset, or end of
    /// stream when the peer closed gracefully). Must be thread-safe and must not throw.</summary>
    protected abstract void OnFailed(TransportError reason);

    /// <summary>After a close frame was written: end the output so the peer sees end of stream.</summary>
    protected abstract void ShutdownOutput();

    /// <summary>Whether a graceful close should read and discard input until the peer ends its
    /// stream (TCP: closing with unread input would reset the connection and could drop what we sent).</summary>
    protected virtual bool LingerUntilPeerCloses => false;

    /// <summary>Releases the stream; the connection is finished. Must not throw.</summary>
    protected abstract void ReleaseStream();

    /// <summary>Maps an exception of the stream underneath to the transport's error model.</summary>
    protected abstract TransportException TranslateException(Exception exception);

    /// <summary>Puts the header of a <paramref name="kind"/> frame in front of <paramref name="payload"/>
    /// and writes both. Called under the send lock, which guards the one header buffer.</summary>
    private ValueTask FrameAndWriteAsync(StreamFrameKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        new StreamFrameHeader(kind, (uint)payload.Length).Write(_outgoingHeader);
        return WriteFrameAsync(_outgoingHeader, payload, cancellationToken);
    }

    /// <summary>Starts the idle/keepalive timer. The subclass calls it at the end of its constructor,
    /// not the base constructor: a tick may write a keepalive or call <see cref="OnFailed"/>, which
    /// must not run on a half-constructed subclass.</summary>
    protected void StartTimer()
    {
        var periodMs = Math.Min(_idleTimeoutMs > 0 ? Math.Max(_idleTimeoutMs / 4, 10) : long.MaxValue,
            _keepAliveMs > 0 ? Math.Max(_keepAliveMs / 2, 10) : long.MaxValue);
        if (periodMs == long.MaxValue)
        {
            return;
        }
        _timer = new Timer(static state => ((StreamTransportConnection)state!).OnTimerTick(), this, periodMs, periodMs);
    }

    /// <summary>Consumes a keepalive (true: the caller reads on) or a close frame (throws) at the
    /// front of <paramref name="buffer"/>; false for any other kind, which stays in the buffer.</summary>
    private bool ConsumedControlFrame(in StreamFrameHeader header, in ReadOnlySequence<byte> buffer)
    {
        switch (header.Kind)
        {
            case StreamFrameKind.KeepAlive:
                _input.AdvanceTo(buffer.GetPosition(StreamFrameHeader.Size));
                return true;
            case StreamFrameKind.Close:
                _input.AdvanceTo(buffer.GetPosition(StreamFrameHeader.Size));
                throw PeerClosed();
            default:
                return false;
        }
    }

    /// <summary>The front of <paramref name="buffer"/> is not a whole frame yet: marks it all examined
    /// so that the next read waits for new bytes, or fails when the stream has ended.</summary>
    private void WaitForMoreInput(in ReadResult result, in ReadOnlySequence<byte> buffer)
    {
        if (result.IsCompleted)
        {
            throw EndOfStream(midFrame: !buffer.IsEmpty);
        }
        _input.AdvanceTo(buffer.Start, buffer.End);
    }

    /// <summary>Starts reading the next part of a payload into <paramref name="rest"/>: straight from
    /// the stream where it allows it (the input reader holds nothing by then), else through the
    /// reader. <see cref="CountPayloadPart"/> takes the result.</summary>
    private ValueTask<int> ReadPayloadPartAsync(Memory<byte> rest, CancellationToken cancellationToken)
    {
        if (!CanReadDirect)
        {
            return CopyFromInputAsync(rest, cancellationToken);
        }
        BeginWaitForInput();
        return ReadDirectAsync(rest, cancellationToken);
    }

    private int CountPayloadPart(int read)
    {
        EndWaitForInput();
        ThrowIfFailed();
        if (read == 0)
        {
            throw EndOfStream(midFrame: true);
        }
        if (CanReadDirect)
        {
            BytesReadDirect += read;
        }
        return read;
    }

    /// <summary>A payload part through the input reader (streams without a direct path: the in-memory
    /// transport). Returns 0 at the end of the stream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> CopyFromInputAsync(Memory<byte> rest, CancellationToken cancellationToken)
    {
        var result = FinishRead(await StartRead(cancellationToken).ConfigureAwait(false));
        return CopyBuffered(result.Buffer, rest.Span);
    }

    /// <summary>The buffer a large message is read into, <paramref name="length"/> bytes of it; kept
    /// for the next one.</summary>
    private Memory<byte> DirectMessageBuffer(int length)
    {
        if (_directMessageBuffer is null || _directMessageBuffer.Length < length)
        {
            ReturnDirectMessageBuffer();
            _directMessageBuffer = ArrayPool<byte>.Shared.Rent(length);
        }
        return _directMessageBuffer.AsMemory(0, length);
    }

    private void ReturnDirectMessageBuffer()
    {
        if (_directMessageBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_directMessageBuffer);
            _directMessageBuffer = null;
        }
    }

    /// <summary>Consumes the message returned by the previous receive, which its caller no longer
    /// reads, so that the input can reuse its space before reading more (the TCP reader then
    /// receives into an empty buffer instead of behind, or moving, the old message).</summary>
    private void ConsumeOutstandingMessage()
    {
        // A reader takes AdvanceTo only after a read. TryRead returns the buffered bytes again without
        // waiting; a pipe returns nothing when all it holds was examined, and the message is then
        // skipped after the next read instead (SkipOutstandingMessage).
        if (_outstandingMessageBytes != 0 && _input.TryRead(out var buffered))
        {
            if (buffered.IsCanceled)
            {
                // A failure (abort, dispose) raced this receive's start and cancelled the read that
                // TryRead has just taken: report it, or the next read would wait for nothing.
                _input.AdvanceTo(buffered.Buffer.Start);
                throw FailureException();
            }
            _input.AdvanceTo(buffered.Buffer.GetPosition(_outstandingMessageBytes));
            _outstandingMessageBytes = 0;
        }
    }

    /// <summary>Drops the message returned by the previous receive from the front of
    /// <paramref name="buffer"/> if <see cref="ConsumeOutstandingMessage"/> could not consume it;
    /// the caller's next <c>AdvanceTo</c> consumes it.</summary>
    private ReadOnlySequence<byte> SkipOutstandingMessage(in ReadOnlySequence<byte> buffer)
    {
        if (_outstandingMessageBytes == 0)
        {
            return buffer;
        }
        var rest = buffer.Slice(_outstandingMessageBytes);
        _outstandingMessageBytes = 0;
        return rest;
    }

    /// <summary>Copies what fits from <paramref name="buffered"/> and consumes exactly that much.</summary>
    private int CopyBuffered(ReadOnlySequence<byte> buffered, Span<byte> destination)
    {
        var count = (int)Math.Min(buffered.Length, destination.Length);
        var taken = buffered.Slice(0, count);
        taken.CopyTo(destination);
        _input.AdvanceTo(taken.End);
        return count;
    }

    /// <summary>Starts a read of the input. ReadAsync, not TryRead: it completes at once when
    /// unexamined bytes are buffered, and waits for new bytes when everything buffered was examined
    /// (Pipe.TryRead returns examined bytes again, which would spin while a frame is incomplete).
    /// <see cref="FinishRead"/> takes the result.</summary>
    private ValueTask<ReadResult> StartRead(CancellationToken cancellationToken)
    {
        if (_receiveMayBlock)
        {
            // The read may block inside ReadAsync: the idle timeout counts from before it.
            BeginWaitForInput();
            return _input.ReadAsync(cancellationToken);
        }
        var pending = _input.ReadAsync(cancellationToken);
        if (!pending.IsCompleted)
        {
            BeginWaitForInput();
        }
        return pending;
    }

    private ReadResult FinishRead(in ReadResult result)
    {
        EndWaitForInput();
        ThrowIfReadCanceled(result);
        return result;
    }

    /// <summary>The idle timeout counts from here while the read waits.</summary>
    private void BeginWaitForInput()
    {
        Volatile.Write(ref _lastInputTicks, Environment.TickCount64);
        Volatile.Write(ref _waitingForInput, 1);
    }

    private void EndWaitForInput() => Volatile.Write(ref _waitingForInput, 0);

    private void ThrowIfReadCanceled(in ReadResult result)
    {
        if (result.IsCanceled || _fault is not null)
        {
            // Only a failure (or dispose) cancels a pending read.
            throw FailureException();
        }
    }

    public sealed override void Abort(string reason)
        => Fail(new TransportException(TransportError.ConnectionAborted, $"The connection was aborted by this side: {reason}"));

    public sealed override async ValueTask DisposeAsync()
    {
        // A subclass may add a finalizer for its stream; once disposed, there is nothing left for it.
        GC.SuppressFinalize(this);
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        var healthy = TryRecordFailure(new TransportException(TransportError.ConnectionAborted, "The connection was closed by this side."));
        var graceful = healthy && await TrySendCloseFrameAsync().ConfigureAwait(false);
        if (healthy && !graceful)
        {
            OnFailed(TransportError.ConnectionAborted);
        }
        if (!await _receiveLock.WaitAsync(GracefulCloseTimeout).ConfigureAwait(false))
        {
            // A receive is stuck in the stream (a direct bulk read): end the stream under it. Its
            // caller frees the lock by taking the result; one who never does must not hang the close.
            OnFailed(TransportError.ConnectionAborted);
            while (!await _receiveLock.WaitAsync(AbandonedReceiveCheckInterval).ConfigureAwait(false))
            {
                _receive.ReleaseIfAbandoned();
            }
        }
        try
        {
            if (graceful && LingerUntilPeerCloses)
            {
                await DrainInputAsync().ConfigureAwait(false);
            }
            await _input.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            ReturnDirectMessageBuffer();
            ReleaseStream();
            _receiveLock.Release();
        }
    }

    private async ValueTask<bool> TrySendCloseFrameAsync()
    {
        if (!await _sendLock.WaitAsync(GracefulCloseTimeout).ConfigureAwait(false))
        {
            return false; // A send is stuck on backpressure: the close becomes an abort.
        }
        try
        {
            using var timeout = new CancellationTokenSource(GracefulCloseTimeout);
            await FrameAndWriteAsync(StreamFrameKind.Close, ReadOnlyMemory<byte>.Empty, timeout.Token).ConfigureAwait(false);
            ShutdownOutput();
            return true;
        }
#pragma warning disable CA1031 // A peer that is already gone makes the close an abort, nothing more.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async ValueTask DrainInputAsync()
    {
        using var timeout = new CancellationTokenSource(GracefulCloseTimeout);
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(timeout.Token).ConfigureAwait(false);
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
#pragma warning disable CA1031 // Whatever ends the drain (timeout, reset), the close goes on.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void OnTimerTick()
    {
        if (_fault is not null)
        {
            return;
        }
        var now = Environment.TickCount64;
        if (_idleTimeoutMs > 0 && Volatile.Read(ref _waitingForInput) == 1 && now - Volatile.Read(ref _lastInputTicks) > _idleTimeoutMs)
        {
            Fail(new TransportException(TransportError.Timeout,
                $"Nothing was received for {Options.IdleTimeout.TotalSeconds:0.###} s (idle timeout); the connection was ended."));
            return;
        }
        if (_keepAliveMs > 0 && now - Volatile.Read(ref _lastOutputTicks) >= _keepAliveMs && _sendLock.Wait(0, CancellationToken.None))
        {
            // A send in progress proves liveness by itself, so a busy lock means no keepalive is needed.
            _ = SendKeepAliveAsync();
        }
    }

    private async Task SendKeepAliveAsync()
    {
        try
        {
            if (_fault is null)
            {
                await FrameAndWriteAsync(StreamFrameKind.KeepAlive, ReadOnlyMemory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
                Volatile.Write(ref _lastOutputTicks, Environment.TickCount64);
            }
        }
#pragma warning disable CA1031 // The failure is recorded on the connection; the next call reports it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Fail(exception);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Records the first failure, ends the stream under every pending operation and
    /// returns the exception for the caller to throw. Later failures return the first one's error.</summary>
    private protected TransportException Fail(Exception exception)
    {
        var failure = exception as TransportException ?? (_fault is null ? TranslateException(exception) : null);
        if (failure is not null && TryRecordFailure(failure))
        {
            OnFailed(failure.Error);
            return failure;
        }
        return FailureException();
    }

    private bool TryRecordFailure(TransportException failure)
    {
        if (Interlocked.CompareExchange(ref _fault, failure, null) is not null)
        {
            return false;
        }
        _timer?.Dispose();
        _closed.TrySetResult(failure.Error);
        _input.CancelPendingRead();
        return true;
    }

    private static TransportException PeerClosed()
        => new(TransportError.ConnectionClosed, "The peer closed the connection.");

    private static TransportException EndOfStream(bool midFrame) => new(TransportError.ConnectionReset, midFrame
        ? "The connection ended in the middle of a frame (the peer vanished or reset it)."
        : "The connection ended without a close frame (the peer vanished or reset it).");

    private void ThrowIfFailed()
    {
        if (_fault is not null)
        {
            throw FailureException();
        }
    }

    /// <summary>A fresh exception carrying the recorded failure, so each caller gets its own stack trace.</summary>
    private TransportException FailureException()
    {
        var fault = _fault!;
        return new TransportException(fault.Error, fault.Message, fault.InnerException);
    }

    private static long ToMilliseconds(TimeSpan value)
        => value == Timeout.InfiniteTimeSpan || value <= TimeSpan.Zero ? 0 : (long)Math.Ceiling(value.TotalMilliseconds);
}
