using System.Diagnostics;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma;

/// <summary>The progress thread: completions, arrivals, credits, timers and teardown.</summary>
internal sealed partial class RdmaConnection
{
    private const int PollBatch = 32;

    private void RunProgress()
    {
        Span<WorkCompletion> completions = stackalloc WorkCompletion[PollBatch];
        var spinUntil = 0L;
        try
        {
            while (_state == StateOpen)
            {
                var count = _endpoint.PollCompletions(completions);
                if (count < 0)
                {
                    Fail(TransportError.ConnectionReset, $"Polling the completion queue failed (errno {-count}).");
                    break;
                }
                for (var i = 0; i < count && _state == StateOpen; i++)
                {
                    Handle(in completions[i]);
                }
                if (count > 0)
                {
                    spinUntil = Stopwatch.GetTimestamp() + _busyPollTicks;
                    continue;
                }
                if (_endpoint.IsDisconnected)
                {
                    Fail(_peerClosed ? TransportError.ConnectionClosed : TransportError.ConnectionReset,
                        _peerClosed ? "The peer closed the connection." : "The peer disconnected.");
                    break;
                }
                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    Thread.SpinWait(16);
                    continue;
                }
                _endpoint.WaitForCompletion(ProgressWaitMilliseconds);
                CheckTimers();
            }
        }
#pragma warning disable CA1031 // the progress thread must end the connection, never the process
        catch (Exception e)
#pragma warning restore CA1031
        {
            Fail(TransportError.ConnectionAborted, "The RDMA progress loop failed: " + e.Message);
        }
        finally
        {
            Teardown();
        }
    }

    private void Handle(in WorkCompletion completion)
    {
        if (completion.Status != CompletionStatus.Success)
        {
            var (error, message) = Describe(completion);
            Fail(error, message);
            return;
        }
        switch (completion.Opcode)
        {
            case CompletionOpcode.Send:
            case CompletionOpcode.RdmaWrite:
                OnSendCompleted((long)completion.WorkRequestId);
                break;
            case CompletionOpcode.Receive:
                OnReceive(completion.WorkRequestId, completion.ByteLength);
                break;
            case CompletionOpcode.ReceiveRdmaWithImmediate:
                OnChunk(completion.WorkRequestId, completion.ImmediateData, completion.ByteLength);
                break;
            default:
                Fail(TransportError.ProtocolViolation, $"Unexpected completion opcode {completion.Opcode}.");
                break;
        }
    }

    private (TransportError Error, string Message) Describe(in WorkCompletion completion) => completion.Status switch
    {
        CompletionStatus.WorkRequestFlushed => _peerClosed
            ? (TransportError.ConnectionClosed, "The peer closed the connection.")
            : (TransportError.ConnectionReset, "The connection was reset (work requests flushed)."),
        CompletionStatus.RemoteAccessError => (TransportError.ProtocolViolation,
            "The peer refused an RDMA write: bad remote key or out of bounds (remote access error)."),
        CompletionStatus.ReceiverNotReadyRetryExceeded => (TransportError.ConnectionReset,
            "The peer had no receive posted (receiver not ready, retries exceeded)."),
        CompletionStatus.RetryExceeded => (TransportError.ConnectionReset, "The peer stopped responding (transport retries exceeded)."),
        CompletionStatus.RemoteInvalidRequest => (TransportError.ProtocolViolation, "The peer refused a request (remote invalid request)."),
        CompletionStatus.LocalLengthError => (TransportError.ProtocolViolation, "A SEND larger than the receive buffer arrived (local length error)."),
        CompletionStatus.LocalProtectionError => (TransportError.ProtocolViolation, "A work request used memory outside its registration (local protection error)."),
        _ => (TransportError.ConnectionReset, $"A work request failed with status {completion.Status} (vendor error {completion.VendorError})."),
    };

    private void OnReceive(ulong workRequestId, uint byteLength)
    {
        if (workRequestId >= (ulong)_receiveSlab.Count || byteLength > _receiveSlab.BufferSize)
        {
            Fail(TransportError.ProtocolViolation, "A receive completed outside the receive pool.");
            return;
        }
        var index = (int)workRequestId;
        _lastReceiveTicks = Environment.TickCount64;
        var frame = _receiveSlab.Buffer.AsSpan(_receiveSlab.OffsetOf(index), (int)byteLength);
        if (!RdmaFrameHeader.TryRead(frame, out var header, out var error))
        {
            Fail(TransportError.ProtocolViolation, "Invalid frame from the peer: " + error + ".");
            return;
        }
        if (!ApplyCredits(header.ReceiveCredits, header.SlotCredits))
        {
            return;
        }
        var payloadLength = byteLength - RdmaFrameHeader.Size;
        switch (header.Kind)
        {
            case RdmaFrameKind.Message when header.Length == payloadLength && _chunkBytesExpected == 0:
                Enqueue(new IncomingItem(IncomingKind.Message, index, header.Length));
                break;
            case RdmaFrameKind.Bulk when header.Length == payloadLength && _chunkBytesExpected == 0:
                Enqueue(new IncomingItem(IncomingKind.Bulk, index, header.Length));
                break;
            case RdmaFrameKind.MessageStart when payloadLength == 0 && _chunkBytesExpected == 0 && header.Length > 0:
                if (header.Length > MaxIncomingMessageSize)
                {
                    Fail(TransportError.FrameTooLarge, $"The peer announced a {header.Length}-byte message; the limit is {MaxIncomingMessageSize}.");
                    return;
                }
                _chunkBytesExpected = header.Length;
                StageOrEnqueue(IncomingKind.MessageStart, IncomingKind.StagedMessage, index, header.Length);
                break;
            case RdmaFrameKind.BulkStart when payloadLength == 0 && _chunkBytesExpected == 0:
                if (header.Length > Options.MaxBulkSize)
                {
                    Fail(TransportError.FrameTooLarge, $"The peer announced a {header.Length}-byte bulk transfer; the limit is {Options.MaxBulkSize}.");
                    return;
                }
                _chunkBytesExpected = header.Length;
                StageOrEnqueue(IncomingKind.BulkStart, IncomingKind.StagedBulk, index, header.Length);
                break;
            case RdmaFrameKind.Credit or RdmaFrameKind.KeepAlive when payloadLength == 0 && header.Length == 0:
                RepostReceive(index);
                break;
            case RdmaFrameKind.Close when payloadLength == 0 && _chunkBytesExpected == 0:
                _peerClosed = true;
                Enqueue(new IncomingItem(IncomingKind.Closed, index, 0));
                break;
            default:
                Fail(TransportError.ProtocolViolation, $"A {header.Kind} frame of {byteLength} bytes (length {header.Length}) is not valid here.");
                break;
        }
    }

    private void OnChunk(ulong workRequestId, uint immediate, uint byteLength)
    {
        if (workRequestId >= (ulong)_receiveSlab.Count)
        {
            Fail(TransportError.ProtocolViolation, "A receive completed outside the receive pool.");
            return;
        }
        _lastReceiveTicks = Environment.TickCount64;
        if (!ApplyCredits((ushort)(immediate >> 16), 0))
        {
            return;
        }
        RepostReceive((int)workRequestId); // a WRITE with immediate consumes a receive but leaves nothing in it
        var slot = (int)(immediate & 0xFFFF);
        if (_chunkBytesExpected == 0)
        {
            Fail(TransportError.ProtocolViolation, "An RDMA write arrived that no start frame announced.");
            return;
        }
        var expectedLength = Math.Min(_slotSlab.BufferSize, _chunkBytesExpected);
        if (slot != _expectedSlot || byteLength != expectedLength)
        {
            Fail(TransportError.ProtocolViolation, $"An RDMA write into slot {slot} of {byteLength} bytes; expected slot {_expectedSlot} of {expectedLength}.");
            return;
        }
        _chunkBytesExpected -= byteLength;
        _expectedSlot = (slot + 1) % _slotSlab.Count;
        if (_staging is not { } staging)
        {
            Interlocked.Increment(ref _slotsHeldByReceiver);
            Enqueue(new IncomingItem(IncomingKind.Chunk, slot, byteLength));
            return;
        }
        _slotSlab.Buffer.AsSpan(_slotSlab.OffsetOf(slot), (int)byteLength).CopyTo(staging.AsSpan(_stagingOffset));
        _stagingOffset += (int)byteLength;
        ReleaseSlot();
        if (_chunkBytesExpected == 0)
        {
            _staging = null;
            Enqueue(new IncomingItem(_stagingKind, -1, _stagingOffset, staging));
        }
    }

    /// <summary>Stages a transfer when the budget allows (its slots then recycle at once), else hands
    /// its start frame to the receiver, whose reading frees the slots.</summary>
    private void StageOrEnqueue(IncomingKind direct, IncomingKind staged, int index, long length)
    {
        // While the incoming limit is lowered (before the peer authenticated) nothing larger than it is staged: a bulk
        // transfer then waits in the slots, where a receiver expecting a message refuses it.
        var fits = length > 0
            && (length <= MaxIncomingMessageSize || MaxIncomingMessageSize == Options.MaxMessageSize)
            && Volatile.Read(ref _slotsHeldByReceiver) == 0
            && Volatile.Read(ref _stagedBytes) + length <= Options.MaxPendingSendBytes
            && Volatile.Read(ref _stagedTransfers) < _receiveSlab.Count;
        if (!fits)
        {
            Enqueue(new IncomingItem(direct, index, length));
            return;
        }
        Interlocked.Add(ref _stagedBytes, length);
        Interlocked.Increment(ref _stagedTransfers);
        _staging = System.Buffers.ArrayPool<byte>.Shared.Rent((int)length);
        _stagingOffset = 0;
        _stagingKind = staged;
        RepostReceive(index);
    }

    private bool ApplyCredits(int receiveCredits, int slotCredits)
    {
        if (receiveCredits == 0 && slotCredits == 0)
        {
            return true;
        }
        lock (_lock)
        {
            _sendCredits += receiveCredits;
            _slotsFree += slotCredits;
            if (_sendCredits > _peer.ReceiveBufferCount || _slotsFree > _peer.SlotCount)
            {
                Fail(TransportError.ProtocolViolation, "The peer returned more credits than it was given.");
                return false;
            }
        }
        _sendSignal.Set();
        return true;
    }

    private void Enqueue(in IncomingItem item)
    {
        if (!_incoming.TryEnqueue(item))
        {
            Fail(TransportError.ProtocolViolation, "The peer sent more than its credits allow.");
            return;
        }
        _receiveSignal.Set();
    }

    private void CheckTimers()
    {
        var now = Environment.TickCount64;
        if (_incoming.Count > 0)
        {
            _lastReceiveTicks = now; // unread arrivals: the peer is waiting on us, not idle
        }
        if (Options.IdleTimeout != Timeout.InfiniteTimeSpan && now - _lastReceiveTicks > (long)Options.IdleTimeout.TotalMilliseconds)
        {
            Fail(TransportError.Timeout, $"Nothing arrived for {Options.IdleTimeout.TotalSeconds:0.#} s.");
            return;
        }
        lock (_lock)
        {
            if (_state != StateOpen)
            {
                return;
            }
            if (Options.KeepAliveInterval > TimeSpan.Zero && Options.KeepAliveInterval != Timeout.InfiniteTimeSpan
                && now - _lastSendTicks >= (long)Options.KeepAliveInterval.TotalMilliseconds)
            {
                TryPostFrameLocked(RdmaFrameKind.KeepAlive, default, 0, creditsNeeded: 2);
            }
            ReturnCreditsIfDueLocked();
        }
    }

    /// <summary>Runs on the progress thread once the connection has ended: nothing posts after this.</summary>
    private void Teardown()
    {
        if (_state == StateOpen)
        {
            Fail(TransportError.ConnectionAborted, "The connection ended.");
        }
        lock (_lock)
        {
            _destroyed = true;
        }
        _registrations.Clear();
        _endpoint.Deregister(_sendSlab.Region);
        _endpoint.Deregister(_slotSlab.Region);
        _endpoint.Deregister(_receiveSlab.Region);
        _endpoint.Dispose();
        _teardown.TrySetResult();
        _sendSignal.Set();
        _receiveSignal.Set();
    }
}
