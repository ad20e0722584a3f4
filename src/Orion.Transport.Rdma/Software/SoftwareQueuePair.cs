using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Software;

/// <summary>
/// One software RC queue pair with its own PD (memory table) and CQ. Work requests execute
/// synchronously at post time, in order, against the peer: that keeps RC ordering for free.
/// Locks: <c>_postLock</c> serialises this QP's posts; <c>_stateLock</c> guards receive queue, CQ
/// and memory table and is a leaf (nothing else is taken under it), so two QPs posting to each
/// other cannot deadlock.
/// </summary>
internal sealed unsafe class SoftwareQueuePair : IVerbsEndpoint
{
    private const int ErrInvalid = -22;     // EINVAL
    private const int ErrNoMemory = -12;    // ENOMEM: queue full
    private const int ErrNotConnected = -107; // ENOTCONN

    private readonly SoftwareFabric _fabric;
    private readonly QueueCapacities _capacities;
    private readonly Lock _postLock = new();
    private readonly Lock _stateLock = new();
    private readonly Dictionary<uint, Region> _regions = [];
    private readonly ReceiveWorkRequest[] _receiveQueue;
    private readonly WorkCompletion[] _completions;
    private readonly ManualResetEventSlim _completionEvent = new();
    private int _receiveHead;
    private int _receiveCount;
    private int _completionHead;
    private int _completionCount;
    private int _unsignaledInFlight;
    private bool _inError;
    private volatile bool _disconnected;
    private SoftwareQueuePair? _peer;
    private SoftwareConnectRequest? _request;

    public SoftwareQueuePair(SoftwareFabric fabric, QueueCapacities capacities)
    {
        _fabric = fabric;
        _capacities = capacities;
        _receiveQueue = new ReceiveWorkRequest[Math.Max(1, capacities.MaxReceiveRequests)];
        _completions = new WorkCompletion[Math.Max(1, capacities.CompletionQueueEntries)];
    }

    /// <summary>Client side: the port to connect to.</summary>
    public int TargetPort { get; set; }

    public int MaxInlineData => (int)_capacities.MaxInlineData;

    public bool IsDisconnected => _disconnected;

    /// <summary>Whether the QP has moved to the error state (for tests).</summary>
    public bool InErrorState
    {
        get
        {
            lock (_stateLock)
            {
                return _inError;
            }
        }
    }

    internal void AttachRequest(SoftwareConnectRequest request) => _request = request;

    public void Connect(ReadOnlySpan<byte> privateData, Span<byte> peerPrivateData, out int peerPrivateLength, TimeSpan timeout)
    {
        var listener = _fabric.Find(TargetPort);
        var request = new SoftwareConnectRequest(this, privateData.ToArray());
        if (listener is null || !listener.Enqueue(request))
        {
            throw new TransportException(TransportError.ConnectFailed, $"Software RDMA connect to port {TargetPort} refused.");
        }
        var accepted = request.Wait(timeout)
            ?? throw new TransportException(TransportError.ConnectFailed, $"Software RDMA connect to port {TargetPort} was rejected or timed out.");
        peerPrivateLength = Math.Min(accepted.Length, peerPrivateData.Length);
        accepted.AsSpan(0, peerPrivateLength).CopyTo(peerPrivateData);
    }

    public void Accept(ReadOnlySpan<byte> privateData, TimeSpan timeout)
    {
        var request = _request ?? throw new InvalidOperationException("Accept is for endpoints from a listener.");
        var client = request.Client;
        // Pair before completing the request: the client may post as soon as it returns.
        _peer = client;
        client._peer = this;
        if (!request.TryAccept(privateData.ToArray()))
        {
            _peer = null;
            client._peer = null;
            throw new TransportException(TransportError.ConnectFailed, "The software RDMA client gave up before the accept.");
        }
    }

    public void Reject() => _request?.Reject();

    public MemoryRegion Register(nint address, long length, AccessFlags access)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var key = _fabric.NextKey();
        lock (_stateLock)
        {
            _regions.Add(key, new Region(address, length, access));
        }
        return new MemoryRegion(key, address, length, key, key);
    }

    public void Deregister(in MemoryRegion region)
    {
        lock (_stateLock)
        {
            _regions.Remove(region.LocalKey);
        }
    }

    public int PostSend(ReadOnlySpan<SendWorkRequest> requests, out int badIndex)
    {
        lock (_postLock)
        {
            for (var i = 0; i < requests.Length; i++)
            {
                ref readonly var request = ref requests[i];
                var signaled = (request.Flags & SendFlags.Signaled) != 0;
                if ((request.Flags & SendFlags.Inline) != 0 && request.Length > _capacities.MaxInlineData)
                {
                    badIndex = i;
                    return ErrInvalid;
                }
                // Unsignalled requests hold send-queue slots until a later signalled one completes.
                if (!signaled && _unsignaledInFlight + 1 >= _capacities.MaxSendRequests)
                {
                    badIndex = i;
                    return ErrNoMemory;
                }
                _unsignaledInFlight = signaled ? 0 : _unsignaledInFlight + 1;
                var status = InErrorState ? CompletionStatus.WorkRequestFlushed : Execute(in request);
                if (status != CompletionStatus.Success)
                {
                    EnterError();
                }
                if (status != CompletionStatus.Success || signaled)
                {
                    AddCompletion(new WorkCompletion
                    {
                        WorkRequestId = request.WorkRequestId,
                        Status = status,
                        Opcode = request.Opcode is WorkRequestOpcode.Send or WorkRequestOpcode.SendWithImmediate ? CompletionOpcode.Send : CompletionOpcode.RdmaWrite,
                        ByteLength = request.Length,
                    });
                }
            }
        }
        badIndex = -1;
        return 0;
    }

    public int PostReceive(ReadOnlySpan<ReceiveWorkRequest> requests, out int badIndex)
    {
        lock (_stateLock)
        {
            for (var i = 0; i < requests.Length; i++)
            {
                if (_inError)
                {
                    AddCompletionLocked(new WorkCompletion { WorkRequestId = requests[i].WorkRequestId, Status = CompletionStatus.WorkRequestFlushed, Opcode = CompletionOpcode.Receive });
                    continue;
                }
                if (_receiveCount == _receiveQueue.Length)
                {
                    badIndex = i;
                    return ErrNoMemory;
                }
                _receiveQueue[(_receiveHead + _receiveCount) % _receiveQueue.Length] = requests[i];
                _receiveCount++;
            }
        }
        badIndex = -1;
        return 0;
    }

    public int PollCompletions(Span<WorkCompletion> completions)
    {
        lock (_stateLock)
        {
            var count = Math.Min(completions.Length, _completionCount);
            for (var i = 0; i < count; i++)
            {
                completions[i] = _completions[_completionHead];
                _completionHead = (_completionHead + 1) % _completions.Length;
            }
            _completionCount -= count;
            return count;
        }
    }

    public void WaitForCompletion(int timeoutMilliseconds)
    {
        // Arm, then re-check, then sleep: a completion added after the check sets the event.
        _completionEvent.Reset();
        lock (_stateLock)
        {
            if (_completionCount > 0 || _disconnected)
            {
                return;
            }
        }
        _completionEvent.Wait(timeoutMilliseconds);
    }

    public void Disconnect()
    {
        var peer = _peer;
        MarkDisconnected();
        peer?.MarkDisconnected();
    }

    public void Dispose()
    {
        Disconnect();
        lock (_stateLock)
        {
            _regions.Clear();
        }
    }

    private void MarkDisconnected()
    {
        _disconnected = true;
        EnterError();
        _completionEvent.Set();
    }

    /// <summary>Moves the QP to the error state: posted receives complete as flushed.</summary>
    private void EnterError()
    {
        lock (_stateLock)
        {
            if (_inError)
            {
                return;
            }
            _inError = true;
            while (_receiveCount > 0)
            {
                var flushed = _receiveQueue[_receiveHead];
                _receiveHead = (_receiveHead + 1) % _receiveQueue.Length;
                _receiveCount--;
                AddCompletionLocked(new WorkCompletion { WorkRequestId = flushed.WorkRequestId, Status = CompletionStatus.WorkRequestFlushed, Opcode = CompletionOpcode.Receive });
            }
        }
        _completionEvent.Set();
    }

    private CompletionStatus Execute(in SendWorkRequest request)
    {
        var inline = (request.Flags & SendFlags.Inline) != 0;
        if (!inline && request.Length > 0 && !CoversLocal(request.LocalKey, (nint)request.LocalAddress, request.Length))
        {
            return CompletionStatus.LocalProtectionError;
        }
        var peer = _peer;
        if (peer is null || _disconnected || peer._disconnected)
        {
            return CompletionStatus.RetryExceeded;
        }
        var source = (byte*)request.LocalAddress;
        switch (request.Opcode)
        {
            case WorkRequestOpcode.Send:
            case WorkRequestOpcode.SendWithImmediate:
                return peer.DeliverSend(source, request.Length, request.Opcode == WorkRequestOpcode.SendWithImmediate, request.ImmediateData);
            case WorkRequestOpcode.RdmaWrite:
            case WorkRequestOpcode.RdmaWriteWithImmediate:
                var status = peer.DeliverWrite(source, request.Length, request.RemoteAddress, request.RemoteKey,
                    request.Opcode == WorkRequestOpcode.RdmaWriteWithImmediate, request.ImmediateData);
                if (status == CompletionStatus.RemoteAccessError)
                {
                    peer.EnterError(); // the responder's QP fails on an access violation too
                }
                return status;
            default:
                return CompletionStatus.RemoteInvalidRequest;
        }
    }

    private bool CoversLocal(uint key, nint address, uint length)
    {
        lock (_stateLock)
        {
            return _regions.TryGetValue(key, out var region) && region.Covers(address, length, AccessFlags.None);
        }
    }

    private CompletionStatus DeliverSend(byte* source, uint length, bool withImmediate, uint immediate)
    {
        lock (_stateLock)
        {
            if (_inError)
            {
                return CompletionStatus.RetryExceeded;
            }
            if (_receiveCount == 0)
            {
                return CompletionStatus.ReceiverNotReadyRetryExceeded;
            }
            var receive = _receiveQueue[_receiveHead];
            _receiveHead = (_receiveHead + 1) % _receiveQueue.Length;
            _receiveCount--;
            if (length > receive.Length
                || (length > 0 && !(_regions.TryGetValue(receive.LocalKey, out var region) && region.Covers((nint)receive.Address, length, AccessFlags.LocalWrite))))
            {
                AddCompletionLocked(new WorkCompletion { WorkRequestId = receive.WorkRequestId, Status = length > receive.Length ? CompletionStatus.LocalLengthError : CompletionStatus.LocalProtectionError, Opcode = CompletionOpcode.Receive });
                return CompletionStatus.RemoteInvalidRequest;
            }
            Buffer.MemoryCopy(source, (void*)receive.Address, receive.Length, length);
            AddCompletionLocked(new WorkCompletion
            {
                WorkRequestId = receive.WorkRequestId,
                Opcode = CompletionOpcode.Receive,
                ByteLength = length,
                ImmediateData = withImmediate ? immediate : 0,
                Flags = withImmediate ? WorkCompletion.WithImmediateFlag : 0,
            });
            return CompletionStatus.Success;
        }
    }

    private CompletionStatus DeliverWrite(byte* source, uint length, ulong remoteAddress, uint remoteKey, bool withImmediate, uint immediate)
    {
        lock (_stateLock)
        {
            if (_inError)
            {
                return CompletionStatus.RetryExceeded;
            }
            if (!_regions.TryGetValue(remoteKey, out var region) || !region.Covers((nint)remoteAddress, length, AccessFlags.RemoteWrite))
            {
                return CompletionStatus.RemoteAccessError;
            }
            if (withImmediate && _receiveCount == 0)
            {
                return CompletionStatus.ReceiverNotReadyRetryExceeded;
            }
            Buffer.MemoryCopy(source, (void*)remoteAddress, length, length);
            if (withImmediate)
            {
                var receive = _receiveQueue[_receiveHead];
                _receiveHead = (_receiveHead + 1) % _receiveQueue.Length;
                _receiveCount--;
                AddCompletionLocked(new WorkCompletion
                {
                    WorkRequestId = receive.WorkRequestId,
                    Opcode = CompletionOpcode.ReceiveRdmaWithImmediate,
                    ByteLength = length,
                    ImmediateData = immediate,
                    Flags = WorkCompletion.WithImmediateFlag,
                });
            }
            return CompletionStatus.Success;
        }
    }

    private void AddCompletion(in WorkCompletion completion)
    {
        lock (_stateLock)
        {
            AddCompletionLocked(completion);
        }
    }

    private void AddCompletionLocked(in WorkCompletion completion)
    {
        if (_completionCount == _completions.Length)
        {
            // CQ overrun: hardware raises an asynchronous error and the QP fails.
            _inError = true;
            _disconnected = true;
        }
        else
        {
            _completions[(_completionHead + _completionCount) % _completions.Length] = completion;
            _completionCount++;
        }
        _completionEvent.Set();
    }

    private readonly record struct Region(nint Address, long Length, AccessFlags Access)
    {
        public bool Covers(nint address, long length, AccessFlags needed)
            => (Access & needed) == needed && address >= Address && length >= 0 && (long)address - (long)Address + length <= Length;
    }
}
