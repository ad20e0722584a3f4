using System.Buffers;
using Orion.Cuda.Protocol.Buffers;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Cuda.Remote.Client;

/// <summary>
/// The client runtime core: one session with an Orion server, safe to call from many threads at
/// once. Every operation returns the CUDA status instead of throwing (the libcudart replacement's
/// C exports call it directly); the typed API (<see cref="RemoteGpu"/>) wraps it with exceptions.
/// </summary>
/// <remarks>
/// <para>Asynchronous operations (launch, memset, stream-ordered copies without data coming back,
/// event record, stream wait, create/destroy of streams and events) are appended to the outgoing
/// batch and return at once; their failures latch on the server and surface at the next
/// synchronizing call. A synchronizing call goes out together with everything pending in one write:
/// one writer at a time drains whatever accumulated while the previous write was in progress, so
/// concurrent callers share writes and no timer delays a lone call.</para>
/// <para>Handles of streams, events, modules and functions are chosen here, so creating them costs
/// no round trip. The current device is per client (session), not per thread.</para>
/// </remarks>
[RemoteCallClient]
public sealed partial class RemoteCudaClient : IAsyncDisposable, IDisposable
{
    /// <summary>What every call returns once the connection to the server is gone.</summary>
    public const CudaStatus ConnectionLost = CudaStatus.DeviceUnavailable;

    private readonly TransportConnection _connection;
    private readonly ServerWelcome _welcome;
    private readonly int _maxBatchBytes;

    // Outgoing batch: appended under _batchGate; written by one writer at a time under _writerGate.
    private readonly Lock _batchGate = new();
    private readonly Lock _writerGate = new();
    private ProtocolWriter _batch = new(64 * 1024);
    private ProtocolWriter _sending = new(64 * 1024);
    private long _appendedRecords;
    private long _sentRecords;
    private readonly NativeMemoryManager _sendWindow = new();

    // Replies.
    private readonly Lock _pendingGate = new();
    private readonly Dictionary<uint, PendingCall> _pending = [];
    private readonly Stack<PendingCall> _callPool = new();
    private uint _nextRequestId;
    private readonly NativeMemoryManager _receiveWindow = new();
    private byte[] _receiveCopy = new byte[4096];
    private readonly Task _receiveLoop;

    // Host-function markers waiting for the server to report them.
    private readonly Lock _markerGate = new();
    private readonly Dictionary<ulong, (Action<nint> Callback, nint UserData)> _markers = [];

    private readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, KernelParameterInfo[]> _layouts = new();
    private long _nextHandle = (long)ProtocolLimits.FirstClientHandle;
    private int _clientLatched;
    private volatile string? _failure;
    private string? _abortReason;
    private int _disposed;
    private readonly DeviceOutputHandler? _deviceOutput;

    private RemoteCudaClient(TransportConnection connection, ServerWelcome welcome, RemoteCudaClientOptions options)
    {
        _connection = connection;
        _welcome = welcome;
        _deviceOutput = options.DeviceOutput;
        _profile = options.ProfileCalls ? new CallProfile() : null;
        _maxBatchBytes = Math.Clamp(options.MaxBatchBytes, 4096, options.TransportOptions.MaxMessageSize / 2);
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        StartSender(options);
    }

    /// <summary>The devices the server offers, in ordinal order.</summary>
    public IReadOnlyList<RemoteDeviceInfo> Devices => _welcome.Devices;

    /// <summary>The server's CUDA driver version (e.g. 13000).</summary>
    public int DriverVersion => _welcome.DriverVersion;

    public ulong SessionId => _welcome.SessionId;

    public string ServerDescription => _welcome.ServerDescription;

    /// <summary>The vGPU the server placed this session on (its device is <see cref="Devices"/>' only one, its memory
    /// that device's total); null where the server has no vGPUs on the session's devices.</summary>
    public VGpuAssignment? VGpu => _welcome.VGpu;

    /// <summary>Bulk chunk size agreed for this session.</summary>
    public int ChunkBytes => _welcome.ChunkBytes;

    /// <summary>False once the connection has failed or the client was disposed.</summary>
    public bool IsConnected => _failure is null;

    /// <summary>Why the connection ended, or null while it is up.</summary>
    public string? FailureReason => _failure;

    /// <summary>Connects to <paramref name="endpoint"/> and opens a session, following the server's redirect to a per-session worker (at most one).</summary>
    /// <exception cref="RemoteSessionRefusedException">The server refused (version, token, no vGPU free for the request), or its worker could not be reached.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options' vGPU request is impossible (a share over 100%, a device past 63).</exception>
    /// <exception cref="TransportException">The server could not be reached.</exception>
    public static async Task<RemoteCudaClient> ConnectAsync(TransportFactory transports, TransportEndpoint endpoint, RemoteCudaClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transports);
        options ??= new RemoteCudaClientOptions();
        options.VGpu?.Validate(); // before anything is dialled
        var connection = await transports.ConnectAsync(endpoint, options.TransportOptions, cancellationToken).ConfigureAwait(false);
        var welcome = await HandshakeAsync(connection, options.AuthToken, options, cancellationToken).ConfigureAwait(false);
        if (welcome.Status == HandshakeStatus.Accepted)
        {
            return new RemoteCudaClient(connection, welcome, options);
        }
        // Redirect: the supervisor has started a worker for this session and closes its side.
        await connection.DisposeAsync().ConfigureAwait(false);
        var worker = await ConnectToWorkerAsync(transports, welcome, options, cancellationToken).ConfigureAwait(false);
        try
        {
            var workerWelcome = await HandshakeAsync(worker, welcome.RedirectTicket, options, cancellationToken).ConfigureAwait(false);
            if (workerWelcome.Status != HandshakeStatus.Accepted)
            {
                // Following a second redirect could loop forever between misconfigured servers.
                throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, $"the worker at {welcome.RedirectEndpoint} redirected again; a client follows one redirect only");
            }
            return new RemoteCudaClient(worker, workerWelcome, options);
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a session over a connection already made; the client owns it from here on. A redirecting
    /// (process-isolation) server needs <see cref="ConnectAsync(TransportFactory, TransportEndpoint, RemoteCudaClientOptions?, CancellationToken)"/>.</summary>
    public static async Task<RemoteCudaClient> ConnectAsync(TransportConnection connection, RemoteCudaClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new RemoteCudaClientOptions();
        var welcome = await HandshakeAsync(connection, options.AuthToken, options, cancellationToken).ConfigureAwait(false);
        if (welcome.Status != HandshakeStatus.Accepted)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable,
                $"the server redirects sessions to {welcome.RedirectEndpoint}; connect through a TransportFactory to follow it");
        }
        return new RemoteCudaClient(connection, welcome, options);
    }

    private static async Task<TransportConnection> ConnectToWorkerAsync(TransportFactory transports, ServerWelcome redirect, RemoteCudaClientOptions options, CancellationToken cancellationToken)
    {
        if (!TransportEndpoint.TryParse(redirect.RedirectEndpoint, out var workerEndpoint, out var error))
        {
            throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, $"the server redirected to an invalid endpoint '{redirect.RedirectEndpoint}': {error}");
        }
        try
        {
            return await transports.ConnectAsync(workerEndpoint, options.TransportOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportException ex)
        {
            throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, $"the session's worker at {workerEndpoint} cannot be reached: {ex.Message}");
        }
    }

    /// <summary>Sends the hello and reads the welcome; returns it when accepted or a redirect, throws on a refusal. Disposes the connection on failure.</summary>
    private static async Task<ServerWelcome> HandshakeAsync(TransportConnection connection, string authToken, RemoteCudaClientOptions options, CancellationToken cancellationToken)
    {
        try
        {
            using (var hello = new ProtocolWriter(512))
            {
                var features = ProtocolFeatures.HostFunctions | ProtocolFeatures.ModuleCache
                    | (options.DeviceOutput is not null ? ProtocolFeatures.DeviceOutput : ProtocolFeatures.None);
                // A worker gets the request again with its ticket; the supervisor has placed the session already.
                new ClientHello(options.ProtocolVersion, features, authToken, options.ClientName) { VGpu = options.VGpu ?? VGpuRequest.None }.Encode(hello);
                await connection.SendAsync(hello.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }
            ServerWelcome welcome;
            try
            {
                var reply = await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                welcome = ServerWelcome.Decode(reply.IsSingleSegment ? reply.FirstSpan : reply.ToArray());
            }
            catch (TransportException ex) when (ex.Error is TransportError.ConnectionClosed or TransportError.ConnectionReset)
            {
                throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, "the server closed the connection during the handshake");
            }
            if (welcome.Status is not (HandshakeStatus.Accepted or HandshakeStatus.Redirect))
            {
                throw new RemoteSessionRefusedException(welcome.Status, welcome.Message);
            }
            return welcome;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // ---- outgoing records ----

    /// <summary>A record being appended to the batch; the batch lock is held until <see cref="End"/>.</summary>
    internal ref struct RecordBuilder
    {
        private readonly RemoteCudaClient _owner;
        private readonly int _bodyStart;
        private Lock.Scope _scope;

        internal RecordBuilder(RemoteCudaClient owner, Opcode opcode, uint requestId)
        {
            _owner = owner;
            owner._profile?.Sent(opcode);
            if (requestId != 0)
            {
                t_awaitedOpcode = opcode;
            }
            _scope = owner._batchGate.EnterScope();
            _bodyStart = RequestHeader.BeginRecord(owner._batch, opcode, requestId);
        }

        public readonly ProtocolWriter Writer => _owner._batch;

        /// <summary>Finishes the record; returns its sequence number and whether the batch is due to be written.</summary>
        public (long Sequence, bool Full) End()
        {
            RequestHeader.EndRecord(_owner._batch, _bodyStart);
            var sequence = ++_owner._appendedRecords;
            var full = _owner._batch.Length >= _owner._maxBatchBytes;
            _scope.Dispose();
            return (sequence, full);
        }
    }

    private RecordBuilder Begin(Opcode opcode, uint requestId) => new(this, opcode, requestId);

    /// <summary>What a call that returns without waiting reports: success, or the connection's loss.</summary>
    private CudaStatus ConnectionStatus => _failure is null ? CudaStatus.Success : ConnectionLost;

    /// <summary>Ends an asynchronous record: written by the sender thread as soon as it is free (at once if the batch is full).</summary>
    private CudaStatus EndAsync(ref RecordBuilder record)
    {
        var (sequence, full) = record.End();
        if (full)
        {
            Flush(sequence);
        }
        else
        {
            RequestSend();
        }
        return ConnectionStatus;
    }

    /// <summary>Ends an asynchronous record and writes the batch at once (a host-function marker must reach the server even if nothing synchronizes).</summary>
    private CudaStatus EndAndFlush(ref RecordBuilder record)
    {
        Flush(record.End().Sequence);
        return ConnectionStatus;
    }

    /// <summary>
    /// A reply that does not decode as its call's reply: only a broken server sends one, so the
    /// connection is given up. It is aborted here and failed by the receive loop, the one thread
    /// that fills calls, so no call is released while the loop may still be writing into it.
    /// </summary>
    private CudaStatus MalformedReply(ProtocolException problem)
    {
        Interlocked.CompareExchange(ref _abortReason, "the server sent a malformed reply: " + problem.Message, null);
        _connection.Abort("malformed server reply");
        return ConnectionLost;
    }

    /// <summary>Makes sure every record up to <paramref name="sequence"/> has been written.</summary>
    private void Flush(long sequence)
    {
        lock (_writerGate)
        {
            if (Volatile.Read(ref _sentRecords) >= sequence)
            {
                return; // another writer took our record along
            }
            WriteBatchLocked();
        }
    }

    /// <summary>Writes everything pending as one message. Caller holds the writer lock.</summary>
    private void WriteBatchLocked()
    {
        long upTo;
        lock (_batchGate)
        {
            if (_batch.Length == 0)
            {
                return;
            }
            (_batch, _sending) = (_sending, _batch);
            upTo = _appendedRecords;
        }
        try
        {
            if (_failure is null)
            {
                Wait(_connection.SendAsync(_sending.WrittenMemory));
            }
        }
        catch (TransportException ex)
        {
            Fail("sending to the server failed: " + ex.Message);
        }
        finally
        {
            _sending.Clear();
            Volatile.Write(ref _sentRecords, upTo);
        }
    }

    /// <summary>
    /// Sends a call's bulk data from <paramref name="host"/>, cut as <see cref="BulkLayout"/> says (rows
    /// of a pitched buffer are packed first). Caller holds the writer lock.
    /// </summary>
    private unsafe void SendBulkLocked(HostBuffer host, ulong rowBytes, ulong rows)
    {
        var layout = new BulkLayout(rowBytes, rows, ChunkBytes);
        var pitched = rows > 1 && host.Pitch != 0 && host.Pitch != rowBytes;
        byte[]? packed = pitched ? ArrayPool<byte>.Shared.Rent(layout.ChunkAt(0)) : null;
        try
        {
            for (ulong offset = 0; offset < layout.TotalBytes && _failure is null;)
            {
                var chunk = layout.ChunkAt(offset);
                if (packed is null)
                {
                    _sendWindow.Reset(host.Address + (nint)offset, chunk);
                }
                else
                {
                    var firstRow = offset / rowBytes;
                    for (ulong r = 0; r < (ulong)chunk / rowBytes; r++)
                    {
                        new ReadOnlySpan<byte>((byte*)host.Address + ((firstRow + r) * host.Pitch), (int)rowBytes).CopyTo(packed.AsSpan((int)(r * rowBytes)));
                    }
                }
                try
                {
                    Wait(packed is null ? _connection.SendBulkAsync(_sendWindow.Memory) : _connection.SendBulkAsync(packed.AsMemory(0, chunk)));
                }
                catch (TransportException ex)
                {
                    Fail("sending data to the server failed: " + ex.Message);
                }
                offset += (ulong)chunk;
            }
        }
        finally
        {
            if (packed is not null)
            {
                ArrayPool<byte>.Shared.Return(packed);
            }
        }
    }

    // ---- synchronous calls ----

    private PendingCall RentCall()
    {
        lock (_pendingGate)
        {
            var call = _callPool.Count > 0 ? _callPool.Pop() : new PendingCall();
            do
            {
                _nextRequestId++;
            }
            while (_nextRequestId == 0 || _pending.ContainsKey(_nextRequestId));
            call.Reset(_nextRequestId);
            _pending[call.RequestId] = call;
            return call;
        }
    }

    private void ReturnCall(PendingCall call)
    {
        lock (_pendingGate)
        {
            // Idempotent: a detached call may be released both by the receive loop and by Fail.
            if (_pending.Remove(call.RequestId, out var registered) && ReferenceEquals(registered, call))
            {
                _callPool.Push(call);
            }
        }
    }

    /// <summary>Writes the batch up to the call's record, waits for the reply, and folds in any latched asynchronous error.</summary>
    private CudaStatus Complete(PendingCall call, long sequence)
    {
        if (_profile is null)
        {
            Flush(sequence);
            return AwaitReply(call);
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Flush(sequence);
        var status = AwaitReply(call);
        _profile.Waited(t_awaitedOpcode, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        return status;
    }

    /// <summary>The kind of the last call this thread began that waits for a reply (for the profile).</summary>
    [ThreadStatic]
    private static Opcode t_awaitedOpcode;

    private readonly CallProfile? _profile;

    /// <summary>
    /// Calls sent by kind, and the time spent waiting for replies, when
    /// <see cref="RemoteCudaClientOptions.ProfileCalls"/> is set; null otherwise.
    /// </summary>
    public string? CallProfileReport() => _profile?.Report();

    private CudaStatus AwaitReply(PendingCall call)
    {
        if (_failure is null)
        {
            call.Done.Wait();
        }
        if (!call.Done.IsSet)
        {
            return ConnectionLost;
        }
        var own = call.Status;
        var earlier = call.AsyncStatus;
        if (earlier == CudaStatus.Success)
        {
            earlier = (CudaStatus)Interlocked.Exchange(ref _clientLatched, 0);
        }
        if (own != CudaStatus.Success)
        {
            if (earlier != CudaStatus.Success)
            {
                Latch(earlier); // keep it for the next call rather than lose it
            }
            return own;
        }
        return earlier;
    }

    private void Latch(CudaStatus status) => Interlocked.CompareExchange(ref _clientLatched, (int)status, 0);

    private ulong NewHandle() => (ulong)Interlocked.Increment(ref _nextHandle);

    private static void Wait(ValueTask task) => BlockingWait.Wait(task);

    // ---- incoming ----

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                var message = await _connection.ReceiveAsync().ConfigureAwait(false);
                ReadOnlyMemory<byte> bytes;
                if (message.IsSingleSegment)
                {
                    bytes = message.First;
                }
                else
                {
                    if (_receiveCopy.Length < message.Length)
                    {
                        _receiveCopy = new byte[Math.Max((int)message.Length, _receiveCopy.Length * 2)];
                    }
                    message.CopyTo(_receiveCopy);
                    bytes = _receiveCopy.AsMemory(0, (int)message.Length);
                }
                var (bulkCall, bulkBytes) = ProcessMessage(bytes.Span);
                if (bulkCall is not null)
                {
                    await ReceiveDataAsync(bulkCall, bulkBytes).ConfigureAwait(false);
                    Finish(bulkCall);
                }
            }
        }
        catch (TransportException ex)
        {
            Fail(ex.Error == TransportError.ConnectionAborted && _disposed != 0 ? "the client was disposed"
                : Volatile.Read(ref _abortReason) ?? $"connection to the server lost ({ex.Error}): {ex.Message}");
        }
        catch (ProtocolException ex)
        {
            Fail("the server sent a malformed message: " + ex.Message);
            _connection.Abort("malformed server message");
        }
    }

    /// <summary>
    /// Hands device output to the application's handler on the receive thread, before any reply that follows
    /// it in the stream is completed: the text reaches the application before the synchronizing call that
    /// printed it returns, as with a local GPU. Text the client did not ask for is a protocol error.
    /// </summary>
    private void WriteDeviceOutput(ReadOnlySpan<byte> body)
    {
        if (_deviceOutput is null || body.IsEmpty || body.Length > ProtocolLimits.MaxDeviceOutputRecordBytes + 1
            || body[0] is not ((byte)DeviceOutputTarget.StandardOutput or (byte)DeviceOutputTarget.StandardError))
        {
            throw new ProtocolException("unexpected or malformed device output record");
        }
        _deviceOutput((DeviceOutputTarget)body[0], body[1..]);
    }

    /// <summary>Completes the replies of one message; returns the call whose data follows as bulk, if any (always the last record).</summary>
    private (PendingCall? Call, ulong Bytes) ProcessMessage(ReadOnlySpan<byte> message)
    {
        var reader = new ProtocolReader(message);
        while (!reader.IsAtEnd)
        {
            var header = ReplyHeader.Read(ref reader);
            var body = reader.ReadSpan(header.BodyLength);
            switch (header.Kind)
            {
                case ReplyKind.HostFunctionReached:
                    RunMarker(new ProtocolReader(body).ReadUInt64());
                    continue;
                case ReplyKind.DeviceOutput:
                    WriteDeviceOutput(body);
                    continue;
                case ReplyKind.SessionEnded:
                    Fail("the server ended the session: " + new ProtocolReader(body).ReadString(ProtocolLimits.MaxTextBytes));
                    continue;
            }
            PendingCall? call;
            lock (_pendingGate)
            {
                _pending.TryGetValue(header.RequestId, out call);
            }
            if (call is null)
            {
                throw new ProtocolException($"reply to unknown request {header.RequestId}");
            }
            call.Status = header.Status;
            call.AsyncStatus = header.AsyncStatus;
            call.SetBody(body);
            if (call.Destination != 0)
            {
                // A data reply's body is the byte count that follows, nothing else.
                var announcement = new ProtocolReader(body);
                var bytes = announcement.ReadUInt64();
                announcement.ExpectEnd($"reply to request {header.RequestId} (data)");
                if (bytes != 0 && bytes != call.ExpectedBytes)
                {
                    throw new ProtocolException($"reply to request {header.RequestId} announces {bytes} bytes of data; {call.ExpectedBytes} were requested");
                }
                if (bytes > 0)
                {
                    if (!reader.IsAtEnd)
                    {
                        throw new ProtocolException("a reply with data must be the last record of its message");
                    }
                    return (call, bytes);
                }
            }
            Finish(call);
        }
        return (null, 0);
    }

    private async Task ReceiveDataAsync(PendingCall call, ulong bytes)
    {
        // Read once: a failure on another thread may recycle the call while its data is still arriving.
        var (destination, width, pitch) = (call.Destination, call.RowWidth, call.RowPitch);
        var layout = width == 0 ? BulkLayout.Contiguous(bytes, ChunkBytes) : new BulkLayout(width, bytes / width, ChunkBytes);
        if (width == 0 || width == pitch)
        {
            for (ulong offset = 0; offset < bytes;)
            {
                var chunk = layout.ChunkAt(offset);
                _receiveWindow.Reset(destination + (nint)offset, chunk);
                await _connection.ReceiveBulkAsync(_receiveWindow.Memory).ConfigureAwait(false);
                offset += (ulong)chunk;
            }
            return;
        }
        // Pitched destination: rows arrive packed, in groups of whole rows per chunk.
        var scratch = ArrayPool<byte>.Shared.Rent(layout.ChunkAt(0));
        try
        {
            for (ulong offset = 0; offset < bytes;)
            {
                var chunk = layout.ChunkAt(offset);
                await _connection.ReceiveBulkAsync(scratch.AsMemory(0, chunk)).ConfigureAwait(false);
                ScatterRows(scratch, destination + (nint)(offset / width * pitch), width, pitch, (ulong)chunk / width);
                offset += (ulong)chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static unsafe void ScatterRows(byte[] packed, nint destination, ulong width, ulong pitch, ulong rows)
    {
        for (ulong r = 0; r < rows; r++)
        {
            packed.AsSpan((int)(r * width), (int)width).CopyTo(new Span<byte>((byte*)destination + (r * pitch), (int)width));
        }
    }

    private void Finish(PendingCall call)
    {
        if (call.Detached)
        {
            if (call.Status != CudaStatus.Success)
            {
                Latch(call.Status);
            }
            if (call.AsyncStatus != CudaStatus.Success)
            {
                Latch(call.AsyncStatus);
            }
            ReturnCall(call);
            return;
        }
        call.Done.Set();
    }

    private void RunMarker(ulong marker)
    {
        (Action<nint> Callback, nint UserData) entry;
        lock (_markerGate)
        {
            if (!_markers.Remove(marker, out entry))
            {
                return;
            }
        }
        // Runs in order on the receive loop, before any later reply: a synchronize that returns
        // after the marker has also seen its callback finish, as in CUDA.
        entry.Callback(entry.UserData);
    }

    /// <summary>Marks the connection failed and releases every waiting caller with <see cref="ConnectionLost"/>.</summary>
    private void Fail(string reason)
    {
        _failure ??= reason;
        PendingCall[] waiting;
        lock (_pendingGate)
        {
            waiting = [.. _pending.Values];
        }
        foreach (var call in waiting)
        {
            if (call.Detached)
            {
                ReturnCall(call);
            }
            else
            {
                call.Status = ConnectionLost;
                call.Done.Set();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        StopSender();
        lock (_writerGate)
        {
            WriteBatchLocked(); // deliver what is pending (frees, destroys) before leaving
        }
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (TransportException)
        {
        }
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (TransportException)
        {
        }
        Fail("the client was disposed");
        lock (_pendingGate)
        {
            while (_callPool.Count > 0)
            {
                _callPool.Pop().Dispose();
            }
        }
        // The batch buffers stay: a call racing with disposal may still append to them; it gets ConnectionLost.
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
