using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma;

/// <summary>Posting work requests: frames, chunks, receives and credit returns. All under <c>_lock</c>.</summary>
internal sealed partial class RdmaConnection
{
    private bool TryPostFrame(RdmaFrameKind kind, ReadOnlySpan<byte> payload, long length, int creditsNeeded)
    {
        lock (_lock)
        {
            return TryPostFrameLocked(kind, payload, length, creditsNeeded) != 0;
        }
    }

    /// <summary>Posts one SEND if credits, a send buffer (unless inline) and send-queue room allow;
    /// returns its sequence number, or 0 when the caller must wait.</summary>
    private long TryPostFrameLocked(RdmaFrameKind kind, ReadOnlySpan<byte> payload, long length, int creditsNeeded, bool forceSignal = false)
    {
        ThrowIfFailed();
        if (_sendCredits < creditsNeeded || !HasSendQueueRoom())
        {
            return 0;
        }
        var frameLength = RdmaFrameHeader.Size + payload.Length;
        var inline = frameLength <= _endpoint.MaxInlineData;
        var buffer = -1;
        Span<byte> frame;
        if (inline)
        {
            frame = _inlineScratch.AsSpan(0, frameLength);
        }
        else
        {
            if (_sendBuffersFree == 0)
            {
                return 0;
            }
            buffer = _sendBufferHead;
            frame = _sendSlab.Span(buffer)[..frameLength];
        }
        new RdmaFrameHeader(kind, (ushort)_owedReceiveCredits, (ushort)_owedSlotCredits, length).Write(frame);
        payload.CopyTo(frame[RdmaFrameHeader.Size..]);
        var sequence = _postedSequence + 1;
        var signal = forceSignal || sequence - _lastSignaledSequence >= _signalInterval || (buffer >= 0 && _sendBuffersFree == 1);
        var request = new SendWorkRequest
        {
            WorkRequestId = (ulong)sequence,
            LocalAddress = (ulong)(inline ? _inlineAddress : _sendSlab.AddressOf(buffer)),
            Length = (uint)frameLength,
            LocalKey = inline ? 0 : _sendSlab.Region.LocalKey,
            Opcode = WorkRequestOpcode.Send,
            Flags = (inline ? SendFlags.Inline : SendFlags.None) | (signal ? SendFlags.Signaled : SendFlags.None),
        };
        Post(in request);
        _owedReceiveCredits = 0;
        _owedSlotCredits = 0;
        if (buffer >= 0)
        {
            _sendBufferSequence[buffer] = sequence;
            _sendBufferHead = (buffer + 1) % _sendBufferSequence.Length;
            _sendBuffersFree--;
        }
        return Commit(sequence, signal);
    }

    /// <summary>Posts one RDMA WRITE with immediate into the next peer slot; 0 when credits or slots are lacking.</summary>
    private long TryPostChunk(in MemoryRegion region, nint address, int length, bool last)
    {
        lock (_lock)
        {
            ThrowIfFailed();
            if (_sendCredits < 2 || _slotsFree == 0 || !HasSendQueueRoom())
            {
                return 0;
            }
            var slot = _nextSlot;
            var sequence = _postedSequence + 1;
            var signal = last || sequence - _lastSignaledSequence >= _signalInterval;
            var request = new SendWorkRequest
            {
                WorkRequestId = (ulong)sequence,
                LocalAddress = (ulong)address,
                RemoteAddress = _peer.SlotAddress + (ulong)slot * (ulong)_peer.SlotSize,
                Length = (uint)length,
                LocalKey = region.LocalKey,
                RemoteKey = _peer.SlotKey,
                Opcode = WorkRequestOpcode.RdmaWriteWithImmediate,
                Flags = signal ? SendFlags.Signaled : SendFlags.None,
                ImmediateData = (uint)slot | ((uint)_owedReceiveCredits << 16),
            };
            Post(in request);
            _owedReceiveCredits = 0;
            _nextSlot = (slot + 1) % _peer.SlotCount;
            _slotsFree--;
            return Commit(sequence, signal);
        }
    }

    private bool HasSendQueueRoom() => _postedSequence - _completedSequence < _settings.SendQueueDepth - 1;

    private long Commit(long sequence, bool signal)
    {
        _postedSequence = sequence;
        if (signal)
        {
            _lastSignaledSequence = sequence;
        }
        _sendCredits--;
        _lastSendTicks = Environment.TickCount64;
        return sequence;
    }

    private void Post(in SendWorkRequest request)
    {
        var rc = _endpoint.PostSend(new ReadOnlySpan<SendWorkRequest>(in request), out _);
        if (rc != 0)
        {
            throw Fail(TransportError.ConnectionReset, $"Posting a send failed (errno {-rc}).");
        }
    }

    /// <summary>Gives a receive buffer back to the QP and owes the peer its credit.</summary>
    private void RepostReceive(int index)
    {
        lock (_lock)
        {
            if (_destroyed || _state != StateOpen)
            {
                return;
            }
            var request = new ReceiveWorkRequest
            {
                WorkRequestId = (ulong)index,
                Address = (ulong)_receiveSlab.AddressOf(index),
                Length = (uint)_receiveSlab.BufferSize,
                LocalKey = _receiveSlab.Region.LocalKey,
            };
            var rc = _endpoint.PostReceive(new ReadOnlySpan<ReceiveWorkRequest>(in request), out _);
            if (rc != 0)
            {
                Fail(TransportError.ConnectionReset, $"Posting a receive failed (errno {-rc}).");
                return;
            }
            _owedReceiveCredits++;
            ReturnCreditsIfDueLocked();
        }
    }

    private void ReleaseSlot()
    {
        lock (_lock)
        {
            _owedSlotCredits++;
            if (_state == StateOpen)
            {
                ReturnCreditsIfDueLocked();
            }
        }
    }

    /// <summary>Sends a credit-only frame once half a pool is owed and no other frame carried it.
    /// It may use the reserved last credit, so credits always flow back.</summary>
    private void ReturnCreditsIfDueLocked()
    {
        if (_owedReceiveCredits >= _receiveCreditThreshold || _owedSlotCredits >= _slotCreditThreshold)
        {
            TryPostFrameLocked(RdmaFrameKind.Credit, default, 0, creditsNeeded: 1);
        }
    }

    /// <summary>Frees send buffers retired by a signalled completion (RC completes in order).</summary>
    private void OnSendCompleted(long sequence)
    {
        lock (_lock)
        {
            if (sequence > _completedSequence)
            {
                _completedSequence = sequence;
            }
            var count = _sendBufferSequence.Length;
            while (_sendBuffersFree < count)
            {
                var oldest = (_sendBufferHead - (count - _sendBuffersFree) + count) % count;
                if (_sendBufferSequence[oldest] > sequence)
                {
                    break;
                }
                _sendBuffersFree++;
            }
            if (_state == StateOpen)
            {
                ReturnCreditsIfDueLocked();
            }
        }
        _sendSignal.Set();
    }

    /// <summary>Posts every receive buffer; called once before the connection is established.</summary>
    internal static void PostAllReceives(IVerbsEndpoint endpoint, RegisteredSlab slab)
    {
        Span<ReceiveWorkRequest> requests = new ReceiveWorkRequest[slab.Count];
        for (var i = 0; i < slab.Count; i++)
        {
            requests[i] = new ReceiveWorkRequest
            {
                WorkRequestId = (ulong)i,
                Address = (ulong)slab.AddressOf(i),
                Length = (uint)slab.BufferSize,
                LocalKey = slab.Region.LocalKey,
            };
        }
        if (endpoint.PostReceive(requests, out _) != 0)
        {
            throw new TransportException(TransportError.ConnectFailed, "Posting the initial receives failed.");
        }
    }
}
