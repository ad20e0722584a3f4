using System.Buffers;
using Microsoft.Extensions.ObjectPool;
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
    private readonly ObjectPool<PendingCall> _callPool = PendingCall.CreatePool();
    private uint _nextRequestId;
    private readonly NativeMemoryManager _receiveWindow = new();
    private byte[] _receiveCopy = new byte[4096];
    private readonly TaskCompletionSource _receiveLoopEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    // Compressed chunks (when the handshake agreed on them): the encoder is used under the writer lock, the rest by the receive thread.
    private readonly ChunkEncoder? _chunkEncoder;
    private readonly byte[] _chunkHeader = new byte[ChunkHeader.Bytes];
    private byte[]? _chunkBlock;

    private RemoteCudaClient(TransportConnection connection, ServerWelcome welcome, RemoteCudaClientOptions options)
    {
        _connection = connection;
        _welcome = welcome;
        if ((welcome.Features & ProtocolFeatures.CompressedChunks) != 0)
        {
            _chunkEncoder = new ChunkEncoder((welcome.Features & ProtocolFeatures.CompressEveryChunk) != 0 ? ChunkCompression.On : ChunkCompression.Auto, welcome.ChunkBytes);
        }
        _deviceOutput = options.DeviceOutput;
        _profile = options.ProfileCalls ? new CallProfile() : null;
        _maxBatchBytes = Math.Clamp(options.MaxBatchBytes, 4096, options.TransportOptions.MaxMessageSize / 2);
        _replySpinTicks = BoundedSpin.Ticks(options.ReplySpinTime);
        // A thread of its own, reading the connection synchronously: a reply wakes this thread
        // straight from the socket, with no hop through the socket engine and the thread pool.
        new Thread(ReceiveLoop) { IsBackground = true, Name = "orion-client-receiver" }.Start();
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

    /// <summary>How this session's bulk chunks travel, as the handshake agreed: <see cref="ChunkCompression.Off"/> where the
    /// client did not ask for compression or the server refused it.</summary>
    public ChunkCompression Compression => (_welcome.Features & ProtocolFeatures.CompressedChunks) == 0 ? ChunkCompression.Off
        : (_welcome.Features & ProtocolFeatures.CompressEveryChunk) != 0 ? ChunkCompression.On : ChunkCompression.Auto;

    /// <summary>Chunks this client sent compressed and as they are (0 and 0 without compressed chunks); for tests and benchmarks.</summary>
    public (long Compressed, long Raw) SentChunks => _chunkEncoder is { } encoder ? (encoder.CompressedChunks, encoder.RawChunks) : (0, 0);

    /// <summary>False once the connection has failed or the client was disposed.</summary>
    public bool IsConnected => _failure is null;

    /// <summary>Why the connection ended, or null while it is up.</summary>
    public string? FailureReason => _failure;

    /// <summary>
    /// Connects to <paramref name="endpoint"/> and opens a session, following the server's redirect to a per-session
    /// worker (at most one). Connecting is bounded by <see cref="RemoteCudaClientOptions.ConnectTimeout"/> and the
    /// handshake by <see cref="RemoteCudaClientOptions.HandshakeTimeout"/>, each for the server and again for its worker.
    /// </summary>
    /// <exception cref="ServerUnreachableException">The server could not be reached in time, or what answered did not
    /// complete the Orion handshake in time or is not an Orion server.</exception>
    /// <exception cref="RemoteSessionRefusedException">The server refused (version, token, no vGPU free for the request), or its worker could not be reached.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options' vGPU request is impossible (a share over 100%, a device past 63).</exception>
    public static async Task<RemoteCudaClient> ConnectAsync(TransportFactory transports, TransportEndpoint endpoint, RemoteCudaClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transports);
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new RemoteCudaClientOptions();
        CheckTimeouts(options);
        options.VGpu?.Validate(); // before anything is dialled
        var transportOptions = options.TransportOptions with { ConnectTimeout = options.ConnectTimeout };
        TransportConnection connection;
        try
        {
            connection = await transports.ConnectAsync(endpoint, transportOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportException ex)
        {
            throw Unreachable(endpoint, ex, options);
        }
        var welcome = await HandshakeAsync(connection, endpoint, options.AuthToken, options, cancellationToken).ConfigureAwait(false);
        if (welcome.Status == HandshakeStatus.Accepted)
        {
            return new RemoteCudaClient(connection, welcome, options);
        }
        // Redirect: the supervisor has started a worker for this session and closes its side.
        await connection.DisposeAsync().ConfigureAwait(false);
        var (worker, workerEndpoint) = await ConnectToWorkerAsync(transports, endpoint, welcome, WorkerTransportOptions(endpoint, transportOptions), cancellationToken).ConfigureAwait(false);
        var workerWelcome = await HandshakeAsync(worker, workerEndpoint, welcome.RedirectTicket, options, cancellationToken).ConfigureAwait(false);
        if (workerWelcome.Status != HandshakeStatus.Accepted)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            // Following a second redirect could loop forever between misconfigured servers.
            throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, $"the worker at {welcome.RedirectEndpoint} redirected again; a client follows one redirect only");
        }
        return new RemoteCudaClient(worker, workerWelcome, options);
    }

    /// <summary>Opens a session over a connection already made; the client owns it from here on. A redirecting
    /// (process-isolation) server needs <see cref="ConnectAsync(TransportFactory, TransportEndpoint, RemoteCudaClientOptions?, CancellationToken)"/>.
    /// The handshake is bounded by <see cref="RemoteCudaClientOptions.HandshakeTimeout"/>.</summary>
    /// <exception cref="ServerUnreachableException">The peer did not complete the Orion handshake in time or is not an Orion server.</exception>
    /// <exception cref="RemoteSessionRefusedException">The server refused the session.</exception>
    public static async Task<RemoteCudaClient> ConnectAsync(TransportConnection connection, RemoteCudaClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new RemoteCudaClientOptions();
        CheckTimeouts(options);
        var welcome = await HandshakeAsync(connection, connection.RemoteEndpoint, options.AuthToken, options, cancellationToken).ConfigureAwait(false);
        if (welcome.Status != HandshakeStatus.Accepted)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable,
                $"the server redirects sessions to {welcome.RedirectEndpoint}; connect through a TransportFactory to follow it");
        }
        return new RemoteCudaClient(connection, welcome, options);
    }

    private static void CheckTimeouts(RemoteCudaClientOptions options)
    {
        if (options.ConnectTimeout <= TimeSpan.Zero && options.ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ConnectTimeout, "RemoteCudaClientOptions.ConnectTimeout must be positive (or Timeout.InfiniteTimeSpan).");
        }
        if (options.HandshakeTimeout <= TimeSpan.Zero && options.HandshakeTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.HandshakeTimeout, "RemoteCudaClientOptions.HandshakeTimeout must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    /// <summary>A transport's failure to connect, as the typed error: one line naming the endpoint and the cause.</summary>
    private static ServerUnreachableException Unreachable(TransportEndpoint endpoint, TransportException error, RemoteCudaClientOptions options)
    {
        var cause = error.InnerException switch
        {
            OperationCanceledException => $"no connection within {Seconds(options.ConnectTimeout)} (RemoteCudaClientOptions.ConnectTimeout)",
            System.Net.Sockets.SocketException socket => socket.Message,
            _ => error.Message,
        };
        return new ServerUnreachableException(endpoint, $"cannot reach {endpoint}: {cause}", error);
    }

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + " s";

    /// <summary>
    /// The options to reach a worker over TLS: its certificate is the server's, so it is verified against the name the client
    /// verified the server by (the worker's endpoint is an address the server chose, which the certificate need not name).
    /// </summary>
    private static TransportOptions WorkerTransportOptions(TransportEndpoint server, TransportOptions options)
    {
        if (!IsTls(server) || !string.IsNullOrEmpty(options.Tls?.ServerName))
        {
            return options;
        }
        return options with { Tls = (options.Tls ?? new TransportTlsOptions()) with { ServerName = server.Host.Trim('[', ']') } };
    }

    private static bool IsTls(TransportEndpoint endpoint) => string.Equals(endpoint.Scheme, "tls", StringComparison.OrdinalIgnoreCase);

    private static async Task<(TransportConnection Connection, TransportEndpoint Endpoint)> ConnectToWorkerAsync(TransportFactory transports, TransportEndpoint server,
        ServerWelcome redirect, TransportOptions transportOptions, CancellationToken cancellationToken)
    {
        if (!TransportEndpoint.TryParse(redirect.RedirectEndpoint, out var workerEndpoint, out var error))
        {
            throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, $"the server redirected to an invalid endpoint '{redirect.RedirectEndpoint}': {error}");
        }
        if (IsTls(server) && !IsTls(workerEndpoint))
        {
            // The ticket and the session would leave TLS: never follow a redirect that drops it.
            throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, $"the server at {server} redirected to {workerEndpoint}, which is not TLS; refused");
        }
        try
        {
            return (await transports.ConnectAsync(workerEndpoint, transportOptions, cancellationToken).ConfigureAwait(false), workerEndpoint);
        }
        catch (TransportException ex)
        {
            throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, $"the session's worker at {workerEndpoint} cannot be reached: {ex.Message}");
        }
    }

    /// <summary>
    /// Sends the hello and reads the welcome, within <see cref="RemoteCudaClientOptions.HandshakeTimeout"/>; returns it
    /// when accepted or a redirect, throws on a refusal, a timeout or an answer that is not Orion's. Disposes the
    /// connection on failure.
    /// </summary>
    private static async Task<ServerWelcome> HandshakeAsync(TransportConnection connection, TransportEndpoint? endpoint, string authToken, RemoteCudaClientOptions options, CancellationToken cancellationToken)
    {
        var peer = endpoint?.ToString() ?? "the server";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.HandshakeTimeout);
        try
        {
            using (var hello = new ProtocolWriter(512))
            {
                var features = ProtocolFeatures.HostFunctions | ProtocolFeatures.ModuleCache
                    | (options.DeviceOutput is not null ? ProtocolFeatures.DeviceOutput : ProtocolFeatures.None)
                    | options.Compression switch
                    {
                        ChunkCompression.On => ProtocolFeatures.CompressedChunks | ProtocolFeatures.CompressEveryChunk,
                        ChunkCompression.Auto => ProtocolFeatures.CompressedChunks,
                        _ => ProtocolFeatures.None,
                    };
                // A worker gets the request again with its ticket; the supervisor has placed the session already.
                new ClientHello(options.ProtocolVersion, features, authToken, options.ClientName) { VGpu = options.VGpu ?? VGpuRequest.None }.Encode(hello);
                await connection.SendAsync(hello.WrittenMemory, deadline.Token).ConfigureAwait(false);
            }
            ServerWelcome welcome;
            try
            {
                var reply = await connection.ReceiveAsync(deadline.Token).ConfigureAwait(false);
                welcome = ServerWelcome.Decode(reply.IsSingleSegment ? reply.FirstSpan : reply.ToArray());
            }
            catch (TransportException ex) when (ex.Error is TransportError.ConnectionClosed or TransportError.ConnectionReset)
            {
                throw new RemoteSessionRefusedException(HandshakeStatus.Unavailable, endpoint is { Scheme: "tcp" }
                    ? "the server closed the connection during the handshake (a server that listens with TLS does so to plain connections: connect with tls://)"
                    : "the server closed the connection during the handshake");
            }
            catch (TransportException ex) when (ex.Error is TransportError.ProtocolViolation or TransportError.FrameTooLarge or TransportError.UnexpectedFrame)
            {
                throw new ServerUnreachableException(endpoint, $"{peer} is not an Orion server (its answer to the handshake is not Orion's framing: {ex.Message})", ex);
            }
            catch (ProtocolException ex)
            {
                throw new ServerUnreachableException(endpoint, $"{peer} is not an Orion server (its answer to the handshake is not an Orion welcome: {ex.Message})", ex);
            }
            if (welcome.Status is not (HandshakeStatus.Accepted or HandshakeStatus.Redirect))
            {
                throw new RemoteSessionRefusedException(welcome.Status, welcome.Message);
            }
            return welcome;
        }
        catch (Exception ex) when (ex is OperationCanceledException or TransportException { InnerException: OperationCanceledException }
            && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await AbandonAsync(connection, "no Orion handshake in time").ConfigureAwait(false);
            throw new ServerUnreachableException(endpoint,
                $"{peer} accepted the connection but did not complete the Orion handshake within {Seconds(options.HandshakeTimeout)} (RemoteCudaClientOptions.HandshakeTimeout): is it an Orion server?", ex);
        }
        catch (TransportException ex)
        {
            await AbandonAsync(connection, "the handshake failed").ConfigureAwait(false);
            throw new ServerUnreachableException(endpoint, $"the handshake with {peer} failed: {ex.Message}", ex);
        }
        catch
        {
            await AbandonAsync(connection, "the handshake failed").ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Ends a connection whose handshake failed at once: an orderly close would wait for a peer that may never answer.</summary>
    private static async ValueTask AbandonAsync(TransportConnection connection, string reason)
    {
        connection.Abort(reason);
        await connection.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>Whether a call's data to the server goes inside its record (<see cref="ProtocolLimits.MaxInlineDataBytes"/>);
    /// the server decides by the same rule.</summary>
    internal static bool TravelsInline(ulong rowBytes, ulong rows) => (UInt128)rowBytes * rows <= ProtocolLimits.MaxInlineDataBytes;

    /// <summary>Appends a call's small data to its record, rows packed (no pitch).</summary>
    internal static unsafe void WriteInline(ProtocolWriter writer, HostBuffer host, ulong rowBytes, ulong rows)
    {
        var pitch = rows > 1 && host.Pitch != 0 ? host.Pitch : rowBytes;
        for (ulong r = 0; r < rows; r++)
        {
            writer.WriteSpan(new ReadOnlySpan<byte>((byte*)host.Address + (r * pitch), (int)rowBytes));
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
                    SendChunkLocked(packed is null ? _sendWindow.Memory : packed.AsMemory(0, chunk));
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

    /// <summary>Sends one chunk as the session sends chunks: as it is, or after its header, compressed where the encoder chose to. Caller holds the writer lock.</summary>
    private void SendChunkLocked(ReadOnlyMemory<byte> chunk)
    {
        if (_chunkEncoder is null)
        {
            Wait(_connection.SendBulkAsync(chunk));
            return;
        }
        var header = _chunkEncoder.Encode(chunk.Span, out var block);
        Wait(_connection.SendBulkAsync(_chunkEncoder.HeaderMemory));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        Wait(_connection.SendBulkAsync(header.IsCompressed ? block : chunk));
        _chunkEncoder.Sent(header.PayloadBytes, started);
    }

    /// <summary>
    /// Receives one chunk of <paramref name="chunk"/> bytes into <paramref name="destination"/> (native memory): straight into
    /// it, or, in a session with compressed chunks, after its header (checked before anything else is read), through the
    /// block buffer and LZ4. A bad header or block is a <see cref="ProtocolException"/>: the connection is given up.
    /// </summary>
    private unsafe void ReceiveChunk(nint destination, int chunk)
    {
        if (_chunkEncoder is not null)
        {
            _connection.ReceiveBulk(_chunkHeader);
            var header = ChunkHeader.Read(_chunkHeader, chunk);
            if (header.IsCompressed)
            {
                _chunkBlock ??= new byte[ChunkBytes]; // a block is smaller than its chunk, which is at most ChunkBytes
                _connection.ReceiveBulk(_chunkBlock.AsMemory(0, header.StoredBytes));
                header.Decompress(_chunkBlock, new Span<byte>((void*)destination, chunk));
                return;
            }
        }
        _receiveWindow.Reset(destination, chunk);
        _connection.ReceiveBulk(_receiveWindow.Memory);
    }

    // ---- synchronous calls ----

    private PendingCall RentCall()
    {
        lock (_pendingGate)
        {
            var call = _callPool.Get();
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
                _callPool.Return(call);
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

    /// <summary>How long a caller spins for its reply before it sleeps (<see cref="RemoteCudaClientOptions.ReplySpinTime"/>).</summary>
    private readonly long _replySpinTicks;

    /// <summary>
    /// Calls sent by kind, and the time spent waiting for replies, when
    /// <see cref="RemoteCudaClientOptions.ProfileCalls"/> is set; null otherwise.
    /// </summary>
    public string? CallProfileReport() => _profile?.Report();

    private CudaStatus AwaitReply(PendingCall call)
    {
        if (_failure is null)
        {
            // Spin a short while first, as CUDA's synchronizing calls do: a reply within it is seen at once,
            // without the thread wake-up that costs about as much as a fast link's round trip.
            BoundedSpin.Until(static c => c.Done.IsSet, call, _replySpinTicks);
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

    private void ReceiveLoop()
    {
        try
        {
            while (true)
            {
                var message = _connection.Receive();
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
                    ReceiveData(bulkCall, bulkBytes);
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
#pragma warning disable CA1031 // A library in someone else's process never lets an exception escape its own thread.
        catch (Exception ex)
        {
            Fail("the client's receive thread stopped: " + ex.Message);
            _connection.Abort("client receive thread failed");
        }
#pragma warning restore CA1031
        finally
        {
            _receiveLoopEnded.TrySetResult();
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
            if (call.Destination == 0)
            {
                call.SetBody(body);
            }
            else
            {
                // A data reply's body is the byte count, then, for small data, the data itself; larger data follows as bulk.
                var announcement = new ProtocolReader(body);
                var bytes = announcement.ReadUInt64();
                if (bytes != 0 && bytes != call.ExpectedBytes)
                {
                    throw new ProtocolException($"reply to request {header.RequestId} announces {bytes} bytes of data; {call.ExpectedBytes} were requested");
                }
                call.SetBody(body[..sizeof(ulong)]);
                if (announcement.Remaining > 0)
                {
                    if ((ulong)announcement.Remaining != bytes || bytes > ProtocolLimits.MaxInlineDataBytes)
                    {
                        throw new ProtocolException($"reply to request {header.RequestId} carries {announcement.Remaining} bytes of data inline; it announced {bytes}");
                    }
                    LandInline(call, announcement.ReadSpan((int)bytes));
                }
                else if (bytes > 0)
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

    private unsafe void ReceiveData(PendingCall call, ulong bytes)
    {
        // Read once: a failure on another thread may recycle the call while its data is still arriving.
        var (destination, width, pitch) = (call.Destination, call.RowWidth, call.RowPitch);
        var layout = width == 0 ? BulkLayout.Contiguous(bytes, ChunkBytes) : new BulkLayout(width, bytes / width, ChunkBytes);
        if (width == 0 || width == pitch)
        {
            for (ulong offset = 0; offset < bytes;)
            {
                var chunk = layout.ChunkAt(offset);
                ReceiveChunk(destination + (nint)offset, chunk);
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
                fixed (byte* packed = scratch)
                {
                    ReceiveChunk((nint)packed, chunk);
                }
                ScatterRows(scratch, destination + (nint)(offset / width * pitch), width, pitch, (ulong)chunk / width);
                offset += (ulong)chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static unsafe void ScatterRows(ReadOnlySpan<byte> packed, nint destination, ulong width, ulong pitch, ulong rows)
    {
        for (ulong r = 0; r < rows; r++)
        {
            packed.Slice((int)(r * width), (int)width).CopyTo(new Span<byte>((byte*)destination + (r * pitch), (int)width));
        }
    }

    /// <summary>Data that came inside its reply goes where the call asked, rows scattered by the destination's pitch.</summary>
    private static unsafe void LandInline(PendingCall call, ReadOnlySpan<byte> data)
    {
        // Read once, as for bulk data: a failure on another thread may recycle the call meanwhile.
        var (destination, width, pitch) = (call.Destination, call.RowWidth, call.RowPitch);
        if (width == 0 || width == pitch)
        {
            data.CopyTo(new Span<byte>((void*)destination, data.Length));
            return;
        }
        ScatterRows(data, destination, width, pitch, (ulong)data.Length / width);
    }

    private void Finish(PendingCall call)
    {
        if (call.Detached)
        {
            DownloadLanded();
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
        await _receiveLoopEnded.Task.ConfigureAwait(false);
        Fail("the client was disposed");
        lock (_pendingGate)
        {
            (_callPool as IDisposable)?.Dispose(); // the pool disposes the calls it holds
        }
        // The batch buffers stay: a call racing with disposal may still append to them; it gets ConnectionLost.
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
