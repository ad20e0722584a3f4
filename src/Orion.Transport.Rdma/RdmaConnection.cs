using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma;

/// <summary>
/// A transport connection over one RC queue pair.
/// <list type="bullet">
/// <item>Small messages: one SEND (16-byte header + payload) into a peer receive buffer, inline when
/// it fits, else copied into a registered send buffer. Each SEND or WRITE-with-immediate consumes
/// one of the peer's receive credits; the last credit is reserved for credit-only frames.</item>
/// <item>Large messages and bulk: a start frame, then RDMA WRITE with immediate straight from the
/// (registered, pinned) user buffer into the peer's slots, round-robin; the immediate carries the
/// slot index and returned receive credits. The receiver copies a slot out and returns its credit.</item>
/// <item>Staging: while the bytes staged stay within <see cref="TransportOptions.MaxPendingSendBytes"/>,
/// the progress thread copies a transfer out of the slots as it arrives, so slots recycle and a
/// sender completes without waiting for the application to read (as a socket buffer would allow);
/// beyond that budget the slots stay full until the application reads (backpressure).</item>
/// <item>Credits ride on every frame; a credit-only frame goes when half a pool is owed.</item>
/// <item>Selective signalling: one send in a quarter of the queue depth asks for a completion, which
/// retires every earlier one (RC completes in order).</item>
/// <item>One progress thread per connection polls the CQ, spins briefly after activity, then sleeps on
/// the completion channel; it owns teardown.</item>
/// </list>
/// </summary>
internal sealed partial class RdmaConnection : TransportConnection
{
    private const int StateOpen = 0;
    private const int StateFailed = 1;
    private const int ProgressWaitMilliseconds = 50;

    private readonly IVerbsEndpoint _endpoint;
    private readonly RdmaTransportSettings _settings;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly RegisteredSlab _receiveSlab;
    private readonly RegisteredSlab _slotSlab;
    private readonly RegisteredSlab _sendSlab;
    private readonly byte[] _inlineScratch;
    private readonly nint _inlineAddress;
    private readonly ConnectionParameters _peer;
    private readonly RegistrationCache _registrations;
    private readonly IncomingQueue _incoming;
    private readonly AsyncSignal _sendSignal = new();
    private readonly AsyncSignal _receiveSignal = new();
    private readonly TaskCompletionSource<TransportError> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _teardown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _progressThread;
    private readonly int _sendLimit;
    private readonly int _signalInterval;
    private readonly int _receiveCreditThreshold;
    private readonly int _slotCreditThreshold;
    private readonly long _busyPollTicks;

    // Send side, under _lock.
    private int _sendCredits;
    private int _slotsFree;
    private int _nextSlot;
    private int _owedReceiveCredits;
    private int _owedSlotCredits;
    private long _postedSequence;
    private long _lastSignaledSequence;
    private long _completedSequence;
    private readonly long[] _sendBufferSequence;
    private int _sendBufferHead;
    private int _sendBuffersFree;
    private long _lastSendTicks;
    private bool _destroyed;

    // Receive side: the buffer handed out by the last ReceiveAsync, released by the next call.
    private int _heldReceiveBuffer = -1;
    private byte[]? _heldRented;
    private long _heldStagedLength;

    // Staging: bytes and transfers staged but not yet read (progress thread adds, receiver subtracts).
    private long _stagedBytes;
    private int _stagedTransfers;
    // Slots handed to the receiver as chunks and not yet copied out. Slot credits are a count, so
    // slots must be freed in the order written: nothing is staged while the receiver holds any.
    private int _slotsHeldByReceiver;

    // Progress thread only.
    private long _chunkBytesExpected;
    private int _expectedSlot;
    private byte[]? _staging;
    private int _stagingOffset;
    private IncomingKind _stagingKind;
    private long _lastReceiveTicks;
    private bool _peerClosed;

    private volatile int _state;
    // Set when DisposeAsync starts closing: whatever ends the connection after that (the peer
    // disconnecting as it sees our close), this side reports that it was disposed.
    private volatile bool _disposing;
    private TransportError _error;
    private string _errorMessage = "";

    public RdmaConnection(IVerbsEndpoint endpoint, RegisteredSlab receiveSlab, RegisteredSlab slotSlab, ConnectionParameters peer,
        TransportEndpoint localEndpoint, TransportEndpoint remoteEndpoint, TransportOptions options, RdmaTransportSettings settings, ILogger logger)
    {
        _endpoint = endpoint;
        _receiveSlab = receiveSlab;
        _slotSlab = slotSlab;
        _peer = peer;
        _settings = settings;
        _logger = logger;
        LocalEndpoint = localEndpoint;
        RemoteEndpoint = remoteEndpoint;
        Options = options;
        // The largest SEND fits the peer's receive buffers and our own: a peer cannot make us
        // allocate send buffers larger than we would accept ourselves.
        _sendLimit = Math.Min(peer.ReceiveBufferSize, settings.ReceiveBufferSize);
        _sendSlab = new RegisteredSlab(endpoint, settings.SendBufferCount, _sendLimit, AccessFlags.LocalWrite);
        _sendBufferSequence = new long[settings.SendBufferCount];
        _sendBuffersFree = settings.SendBufferCount;
        _inlineScratch = GC.AllocateArray<byte>(Math.Max(endpoint.MaxInlineData, 1), pinned: true);
        unsafe
        {
            _inlineAddress = (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_inlineScratch));
        }
        _registrations = new RegistrationCache(endpoint, settings.RegistrationCacheCapacity);
        _incoming = new IncomingQueue(2 * receiveSlab.Count + slotSlab.Count + 2);
        _sendCredits = peer.ReceiveBufferCount;
        _slotsFree = peer.SlotCount;
        _signalInterval = Math.Max(1, settings.SendQueueDepth / 4);
        _receiveCreditThreshold = Math.Max(1, receiveSlab.Count / 2);
        _slotCreditThreshold = Math.Max(1, slotSlab.Count / 2);
        _busyPollTicks = (long)(settings.BusyPollDuration.TotalSeconds * Stopwatch.Frequency);
        _lastReceiveTicks = _lastSendTicks = Environment.TickCount64;
        _progressThread = new Thread(RunProgress) { IsBackground = true, Name = "orion-rdma-progress" };
    }

    public override TransportEndpoint LocalEndpoint { get; }

    public override TransportEndpoint RemoteEndpoint { get; }

    public override TransportOptions Options { get; }

    public override Task<TransportError> Closed => _closed.Task;

    internal RegistrationCache Registrations => _registrations;

    /// <summary>Starts the progress thread; called once the connection is established.</summary>
    public void Start() => _progressThread.Start();

    // Not async itself: each send suspends in at most one pooled state machine, and the waits await
    // the allocation-free signal directly. Nested pooled boxes missed the builder's per-thread cache
    // often enough to allocate again.
    public override ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        if (message.Length > Options.MaxMessageSize)
        {
            throw new TransportException(TransportError.FrameTooLarge, $"A message of {message.Length} bytes exceeds the limit of {Options.MaxMessageSize}.");
        }
        if (RdmaFrameHeader.Size + message.Length <= _sendLimit)
        {
            return TryPostFrame(RdmaFrameKind.Message, message.Span, message.Length, creditsNeeded: 2)
                ? default
                : SendWholeFrameAsync(RdmaFrameKind.Message, message, cancellationToken);
        }
        return SendChunkedAsync(RdmaFrameKind.MessageStart, message, cancellationToken);
    }

    public override ValueTask SendBulkAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ThrowIfFailed();
        if (data.Length > Options.MaxBulkSize)
        {
            throw new TransportException(TransportError.FrameTooLarge, $"A bulk transfer of {data.Length} bytes exceeds the limit of {Options.MaxBulkSize}.");
        }
        if (RdmaFrameHeader.Size + data.Length <= _sendLimit)
        {
            // A small transfer is copied into one SEND: once posted, the caller's buffer is free, so
            // the call does not wait for the progress thread to see a write completion.
            return TryPostFrame(RdmaFrameKind.Bulk, data.Span, data.Length, creditsNeeded: 2)
                ? default
                : SendWholeFrameAsync(RdmaFrameKind.Bulk, data, cancellationToken);
        }
        return SendChunkedAsync(RdmaFrameKind.BulkStart, data, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendWholeFrameAsync(RdmaFrameKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        do
        {
            await _sendSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfFailed();
        }
        while (!TryPostFrame(kind, payload.Span, payload.Length, creditsNeeded: 2));
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<ReadOnlySequence<byte>> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        ReleaseHeld();
        IncomingItem item;
        while (!TryNextItem(out item))
        {
            await _receiveSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        switch (item.Kind)
        {
            case IncomingKind.Message:
                _heldReceiveBuffer = item.Index;
                return new ReadOnlySequence<byte>(_receiveSlab.Buffer, _receiveSlab.OffsetOf(item.Index) + RdmaFrameHeader.Size, (int)item.Length);
            case IncomingKind.MessageStart:
                RepostReceive(item.Index);
                var length = (int)item.Length; // bounded by MaxMessageSize when the frame arrived
                _heldRented = ArrayPool<byte>.Shared.Rent(length);
                await ReceiveChunksAsync(_heldRented.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                return new ReadOnlySequence<byte>(_heldRented, 0, length);
            case IncomingKind.StagedMessage:
                _heldRented = item.Staged;
                _heldStagedLength = item.Length;
                return new ReadOnlySequence<byte>(item.Staged!, 0, (int)item.Length);
            case IncomingKind.BulkStart:
            case IncomingKind.StagedBulk:
            case IncomingKind.Bulk:
                throw Fail(TransportError.UnexpectedFrame, "A bulk transfer arrived where a message was expected.");
            default:
                throw Fail(TransportError.ProtocolViolation, "Bulk data arrived where a message was expected.");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask ReceiveBulkAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ReleaseHeld();
        IncomingItem item;
        while (!TryNextItem(out item))
        {
            await _receiveSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        if (item.Kind == IncomingKind.Bulk && item.Length == destination.Length)
        {
            _receiveSlab.Buffer.AsSpan(_receiveSlab.OffsetOf(item.Index) + RdmaFrameHeader.Size, (int)item.Length).CopyTo(destination.Span);
            RepostReceive(item.Index);
            return;
        }
        if (item.Kind == IncomingKind.StagedBulk && item.Length == destination.Length)
        {
            item.Staged.AsSpan(0, (int)item.Length).CopyTo(destination.Span);
            ReleaseStaged(item.Staged!, item.Length);
            return;
        }
        if (item.Kind is not (IncomingKind.BulkStart or IncomingKind.Bulk or IncomingKind.StagedBulk))
        {
            throw Fail(TransportError.UnexpectedFrame, "A message arrived where a bulk transfer was expected.");
        }
        if (item.Length != destination.Length)
        {
            throw Fail(TransportError.UnexpectedFrame, $"A bulk transfer of {item.Length} bytes arrived; the destination holds {destination.Length}.");
        }
        RepostReceive(item.Index);
        await ReceiveChunksAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    public override void Abort(string reason) => Fail(TransportError.ConnectionAborted, "Aborted: " + reason);

    public override async ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_state == StateOpen)
        {
            try
            {
                await SendCloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is TransportException or OperationCanceledException)
            {
                // The peer is gone or not draining: it learns of the end from the disconnect instead.
            }
            Fail(TransportError.ConnectionAborted, "The connection was disposed.");
        }
        await _teardown.Task.ConfigureAwait(false);
        ReleaseHeld();
    }

    private async ValueTask SendCloseAsync()
    {
        using var timeout = new CancellationTokenSource(Options.ConnectTimeout);
        long sequence;
        while ((sequence = TryPostClose()) == 0)
        {
            await _sendSignal.WaitAsync(timeout.Token).ConfigureAwait(false);
            ThrowIfFailed();
        }
        // Disconnecting before the close frame is acknowledged could flush it; wait for its completion.
        while (Volatile.Read(ref _completedSequence) < sequence)
        {
            await _sendSignal.WaitAsync(timeout.Token).ConfigureAwait(false);
            ThrowIfFailed();
        }
    }

    private long TryPostClose()
    {
        lock (_lock)
        {
            return TryPostFrameLocked(RdmaFrameKind.Close, default, 0, creditsNeeded: 1, forceSignal: true);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendChunkedAsync(RdmaFrameKind kind, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!TryPostFrame(kind, default, data.Length, creditsNeeded: 2))
        {
            await _sendSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfFailed();
        }
        if (data.Length == 0)
        {
            return;
        }
        using var pin = data.Pin();
        RegistrationCache.Lease lease;
        nint address;
        unsafe
        {
            address = (nint)pin.Pointer;
        }
        lock (_lock)
        {
            ThrowIfFailed();
            lease = _registrations.Acquire(address, data.Length, cacheable: !MemoryMarshal.TryGetArray(data, out _));
        }
        var posted = false;
        try
        {
            long offset = 0;
            long lastSequence = 0;
            while (offset < data.Length)
            {
                var length = (int)Math.Min(_peer.SlotSize, data.Length - offset);
                var sequence = TryPostChunk(lease.Region, address + (nint)offset, length, last: offset + length == data.Length);
                if (sequence == 0)
                {
                    await _sendSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                    ThrowIfFailed();
                    continue;
                }
                posted = true;
                offset += length;
                lastSequence = sequence;
            }
            // The caller may reuse its buffer when we return, so wait until the device is done with it.
            while (Volatile.Read(ref _completedSequence) < lastSequence)
            {
                await _sendSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                ThrowIfFailed();
            }
        }
        catch (Exception e) when (posted)
        {
            // Half a transfer is on the wire: the stream cannot continue. Tear down before the
            // buffer is unpinned so the device never reads memory that was given back.
            Fail(e is TransportException te ? te.Error : TransportError.ConnectionAborted, "A large send was interrupted: " + e.Message);
            await _teardown.Task.ConfigureAwait(false);
            throw;
        }
        finally
        {
            lock (_lock)
            {
                if (!_destroyed)
                {
                    _registrations.Release(lease);
                }
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReceiveChunksAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var offset = 0;
        try
        {
            while (offset < destination.Length)
            {
                IncomingItem chunk;
                while (!TryNextItem(out chunk))
                {
                    await _receiveSignal.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                if (chunk.Kind != IncomingKind.Chunk)
                {
                    throw Fail(TransportError.ProtocolViolation, "A frame arrived inside a chunked transfer.");
                }
                _slotSlab.Buffer.AsSpan(_slotSlab.OffsetOf(chunk.Index), (int)chunk.Length).CopyTo(destination.Span[offset..]);
                offset += (int)chunk.Length;
                Interlocked.Decrement(ref _slotsHeldByReceiver);
                ReleaseSlot();
            }
        }
        catch (OperationCanceledException) when (offset > 0)
        {
            Fail(TransportError.ConnectionAborted, "A chunked receive was cancelled midway.");
            throw;
        }
    }

    /// <summary>Takes the next arrival, or returns false when the caller must await <c>_receiveSignal</c>.
    /// Not an async method of its own: the receive calls await the allocation-free signal directly,
    /// because nested pooled state machines missed the builder's per-thread cache and allocated.</summary>
    private bool TryNextItem(out IncomingItem item)
    {
        // A local abort ends receiving at once; a peer's close or reset first delivers what arrived.
        if (!(_state == StateFailed && _error == TransportError.ConnectionAborted) && _incoming.TryDequeue(out item))
        {
            if (item.Kind == IncomingKind.Closed)
            {
                throw Fail(TransportError.ConnectionClosed, "The peer closed the connection.");
            }
            return true;
        }
        ThrowIfFailed();
        item = default;
        return false;
    }

    private void ReleaseHeld()
    {
        if (_heldReceiveBuffer >= 0)
        {
            RepostReceive(_heldReceiveBuffer);
            _heldReceiveBuffer = -1;
        }
        if (_heldRented is { } rented)
        {
            _heldRented = null;
            ReleaseStaged(rented, _heldStagedLength);
            _heldStagedLength = 0;
        }
    }

    /// <summary>Returns a staged or rented array; a staged one also frees its share of the staging budget.</summary>
    private void ReleaseStaged(byte[] array, long stagedLength)
    {
        if (stagedLength > 0)
        {
            Interlocked.Add(ref _stagedBytes, -stagedLength);
            Interlocked.Decrement(ref _stagedTransfers);
        }
        ArrayPool<byte>.Shared.Return(array);
    }

    private void ThrowIfFailed()
    {
        if (_state == StateFailed)
        {
            throw new TransportException(_error, _errorMessage);
        }
    }

    /// <summary>Ends the connection with the first error reported; later calls fail with it.</summary>
    private TransportException Fail(TransportError error, string message)
    {
        lock (_lock)
        {
            if (_state == StateFailed)
            {
                return new TransportException(_error, _errorMessage);
            }
            if (_disposing)
            {
                (error, message) = (TransportError.ConnectionAborted, "The connection was disposed.");
            }
            _error = error;
            _errorMessage = message;
            _state = StateFailed;
            if (!_destroyed)
            {
                _endpoint.Disconnect(); // flushes the QP and wakes the progress thread
            }
        }
        LogEnded(_logger, RemoteEndpoint, error, message);
        _closed.TrySetResult(error);
        _sendSignal.Set();
        _receiveSignal.Set();
        return new TransportException(error, message);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "RDMA connection to {Remote} ended: {Error} ({Reason})")]
    private static partial void LogEnded(ILogger logger, TransportEndpoint remote, TransportError error, string reason);
}
