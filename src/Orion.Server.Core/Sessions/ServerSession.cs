using System.Buffers;
using Microsoft.Extensions.Logging;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Authentication;
using Orion.Server.Core.Backend;
using Orion.Transport;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// One client connection: handshake, then an executor thread that reads messages, runs their
/// records on the session's own contexts, and answers. Whatever ends it (the client leaving, a
/// malformed message, a transport failure, server shutdown), everything it created is freed.
/// </summary>
internal sealed partial class ServerSession : IDisposable
{
    private readonly TransportConnection _connection;
    private ServerSessionConfig _config; // replaced once by the handshake's placement (_place)
    private readonly ILogger _logger;
    private readonly Action<ServerSession> _onEnded;
    private readonly Func<bool>? _admit;
    private readonly SessionPlacer? _place;
    private readonly Lock _sendGate = new();
    private readonly ProtocolWriter _replies = new();
    private readonly ProtocolWriter _notifications = new(256);
    private readonly DeviceOutputSink _sendDeviceOutput;
    private IDeviceOutputSource? _deviceOutput; // set by the handshake when the client asked for device output
    private readonly System.Collections.Concurrent.ConcurrentQueue<ulong> _reachedMarkers = new();
    private readonly SessionObjects _objects;
    private readonly CallDispatcher _calls;
    private readonly SendWatch _sendWatch;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _message = new byte[4096];
    private Thread? _thread;
    private string _clientName = "";
    private volatile bool _ended;

    /// <summary>The session's turns on its GPU, when it is on a vGPU whose compute share is enforced; null otherwise.</summary>
    private ComputeShares.ComputeShareGate? _gpuTurns;
    private readonly Action _drainGpu;
    private readonly Func<bool> _connectionEnded;
    private bool _handshakeDone;

    public ServerSession(ulong id, TransportConnection connection, IGpuBackend backend, ServerSessionConfig config, ILogger logger, Action<ServerSession> onEnded,
        Func<bool>? admit = null, SessionPlacer? place = null)
    {
        _admit = admit;
        _place = place;
        Id = id;
        _connection = connection;
        _config = config;
        _logger = logger;
        _onEnded = onEnded;
        _objects = new SessionObjects(backend, config, logger, id);
        _sendDeviceOutput = SendDeviceOutputLocked;
        _drainGpu = _objects.SynchronizeContexts;
        _connectionEnded = () => _connection.Closed.IsCompleted;
        _sendWatch = new SendWatch(connection, config.SendTimeout ?? TimeSpan.FromSeconds(60));
        _calls = new CallDispatcher(_objects, connection, _sendWatch, _replies, _sendGate, FlushReplies, SendReachedMarkersIfFree, OnHostFunctionReached);
    }

    public ulong Id { get; }

    /// <summary>Completes when the session has ended and freed everything.</summary>
    public Task Completion => _completion.Task;

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = $"orion-session-{Id}" };
        _thread.Start();
    }

    /// <summary>Ends the session from outside (server shutdown); the executor then cleans up.</summary>
    public void Abort(string reason) => _connection.Abort(reason);

    public SessionSnapshot Snapshot()
    {
        var (allocations, bytes, streams, events, modules, functions) = _objects.Tables.Counts();
        return new SessionSnapshot(Id, _clientName, _connection.RemoteEndpoint.ToString(), _objects.ContextCount, allocations, bytes, streams, events, modules, functions)
        {
            VGpu = _objects.Config.VGpu,
        };
    }

    private void Run()
    {
        try
        {
            if (!Handshake())
            {
                return;
            }
            while (true)
            {
                _gpuTurns?.Idle(_drainGpu);
                var length = ReceiveMessage();
                if (_gpuTurns is { } turns && !turns.Enter(_drainGpu, _connectionEnded))
                {
                    return; // the connection ended while the session waited for its turn
                }
                _calls.Execute(_message.AsSpan(0, length));
            }
        }
        catch (TransportException ex) when (!_handshakeDone)
        {
            // A port probe or a client that gave up before its hello: nothing was created.
            Log.SessionEndedBeforeHello(_logger, Id, _connection.RemoteEndpoint.ToString(), ex.Error);
        }
        catch (OperationCanceledException) when (!_handshakeDone)
        {
            // No hello within the hello timeout: a connection may not hold a session thread by saying nothing.
            Log.SessionEndedBeforeHello(_logger, Id, _connection.RemoteEndpoint.ToString(), TransportError.Timeout);
        }
        catch (TransportException ex) when (ex.Error is TransportError.ConnectionClosed)
        {
            Log.SessionClosed(_logger, Id, _clientName);
        }
        catch (TransportException ex)
        {
            Log.SessionTransportFailed(_logger, Id, _clientName, ex.Error, ex.Message);
        }
        catch (ProtocolException ex)
        {
            Log.SessionMalformed(_logger, Id, _clientName, ex.Message);
            EndWithReason("malformed message: " + ex.Message);
        }
#pragma warning disable CA1031 // The executor must never take the server down; any fault ends this session only.
        catch (Exception ex)
        {
            Log.SessionFaulted(_logger, ex, Id, _clientName);
            EndWithReason("internal server error: " + ex.Message);
        }
#pragma warning restore CA1031
        finally
        {
            Cleanup();
        }
    }

    private bool Handshake()
    {
        int length;
        // Until the peer has authenticated it may send only a small message (its hello): nothing larger is buffered for it.
        _connection.MaxIncomingMessageSize = Math.Min(_config.SessionLimits.MaxUnauthenticatedMessageBytes, _connection.Options.MaxMessageSize);
        using (var helloTimeout = new CancellationTokenSource(_config.HelloTimeout ?? Timeout.InfiniteTimeSpan))
        {
            length = ReceiveMessage(helloTimeout.Token);
        }
        ClientHello hello;
        try
        {
            hello = ClientHello.Decode(_message.AsSpan(0, length));
        }
        catch (ProtocolException ex)
        {
            Refuse(HandshakeStatus.MalformedHello, "not an Orion client hello: " + ex.Message);
            return false;
        }
        _clientName = hello.ClientName;
        _deviceOutput = (hello.Features & ProtocolFeatures.DeviceOutput) != 0 ? _config.DeviceOutput : null;
        if (hello.Version != ProtocolLimits.Version)
        {
            Refuse(HandshakeStatus.VersionMismatch,
                $"protocol version {hello.Version} is not supported; this server speaks version {ProtocolLimits.Version}");
            return false;
        }
        var outcome = _config.Authenticator.Authenticate(hello.AuthToken, _connection.RemoteEndpoint);
        if (outcome != AuthenticationOutcome.Accepted)
        {
            // A locked-out address hears exactly what a wrong token hears; only the server's log tells them apart.
            Refuse(HandshakeStatus.AuthenticationFailed, _config.TokenIsWorkerTicket
                ? "authentication failed: wrong or missing worker ticket"
                : ClientAuthenticator.FailureReason,
                outcome == AuthenticationOutcome.LockedOut ? ClientAuthenticator.LockedOutLogNote : "");
            return false;
        }
        if (_admit is not null && !_admit())
        {
            // A worker serves one session: its ticket is spent by the first connection that presented it.
            Refuse(HandshakeStatus.AuthenticationFailed, "authentication failed: this worker ticket was already used");
            return false;
        }
        _connection.MaxIncomingMessageSize = _connection.Options.MaxMessageSize;
        if (_place is not null)
        {
            if (_place(Id, hello.VGpu, out var refusal) is not { } placed)
            {
                Refuse(HandshakeStatus.NoCapacity, refusal);
                return false;
            }
            _config = placed;
            _objects.PlaceOn(placed);
        }
        var welcome = new ServerWelcome(HandshakeStatus.Accepted, ProtocolLimits.Version,
            _config.Negotiate(hello.Features), "", Id, _config.Description,
            _config.ChunkBytes, _config.DriverVersion, _config.DeviceInfos)
        {
            VGpu = _config.VGpu,
        };
        _calls.UseFeatures(welcome.Features);
        _replies.Clear();
        welcome.Encode(_replies);
        FlushReplies();
        Log.SessionStarted(_logger, Id, _clientName, _connection.RemoteEndpoint.ToString());
        if (_config.VGpu is { } vgpu)
        {
            Log.SessionPlaced(_logger, Id, _clientName, vgpu.ToString());
            _gpuTurns = _config.ComputeShares?.Join(_config.Devices[0], vgpu.SharePercent, $"session {Id} ({_clientName})");
        }
        _handshakeDone = true;
        return true;
    }

    /// <summary>Refuses the hello with <paramref name="reason"/>; <paramref name="logNote"/> is added to the log line only.</summary>
    private void Refuse(HandshakeStatus status, string reason, string logNote = "")
    {
        Log.SessionRefused(_logger, Id, _clientName, _connection.RemoteEndpoint.ToString(), status, reason + logNote);
        _replies.Clear();
        ServerWelcome.Refuse(status, reason).Encode(_replies);
        try
        {
            FlushReplies();
            SyncWait.Wait(_connection.DisposeAsync());
        }
        catch (TransportException)
        {
            // The client left first; nothing more to tell it.
        }
    }

    /// <summary>Tells the client why the session ends (best effort), then closes the connection gracefully so the reason is delivered.</summary>
    private void EndWithReason(string reason)
    {
        try
        {
            lock (_sendGate)
            {
                _replies.Clear();
                var start = ReplyHeader.BeginRecord(_replies, ReplyKind.SessionEnded, 0, CudaStatus.Unknown, CudaStatus.Success);
                _replies.WriteString(reason.Length > 900 ? reason[..900] : reason, ProtocolLimits.MaxTextBytes);
                ReplyHeader.EndRecord(_replies, start);
                SendWatched(_replies.WrittenMemory);
                _replies.Clear();
            }
            SyncWait.Wait(_connection.DisposeAsync());
        }
        catch (TransportException)
        {
            _connection.Abort(reason);
        }
    }

    /// <summary>Receives one message and copies it into the session's buffer (the transport's view ends at the next bulk receive).</summary>
    private int ReceiveMessage(CancellationToken cancellationToken = default)
    {
        var payload = _connection.Receive(cancellationToken);
        var length = checked((int)payload.Length);
        if (_message.Length < length)
        {
            _message = new byte[Math.Max(length, _message.Length * 2)];
        }
        payload.CopyTo(_message.AsSpan());
        return length;
    }

    /// <summary>
    /// Sends the replies gathered so far, after any host-function notification still queued (the GPU reached
    /// those first) and after what the device printed meanwhile: CUDA prints a kernel's output during the
    /// synchronizing call that sees it finish, so it must reach the client before that call's reply.
    /// </summary>
    private void FlushReplies()
    {
        lock (_sendGate)
        {
            SendReachedMarkersLocked();
            _deviceOutput?.Drain(_sendDeviceOutput);
            if (_replies.Length > 0)
            {
                SendWatched(_replies.WrittenMemory);
                _replies.Clear();
            }
        }
        SendReachedMarkersIfFree();
    }

    /// <summary>
    /// Runs on the driver's callback thread when a stream reaches a host-function marker. It never
    /// waits for the send lock: the executor may hold it while it waits for this very stream (a
    /// device-to-host copy queued behind the host function), and the stream cannot move on until
    /// this callback returns. The marker is queued; whoever holds or next frees the lock sends it.
    /// </summary>
    private void OnHostFunctionReached(ulong marker)
    {
        if (_ended)
        {
            return;
        }
        _reachedMarkers.Enqueue(marker);
        SendReachedMarkersIfFree();
    }

    /// <summary>Sends queued notifications if the send lock is free; called by whoever may have left some behind.</summary>
    private void SendReachedMarkersIfFree()
    {
        // A thread inside a data reply holds the lock: nothing may come between the reply and its data.
        while (!_reachedMarkers.IsEmpty && !_sendGate.IsHeldByCurrentThread && _sendGate.TryEnter())
        {
            try
            {
                SendReachedMarkersLocked();
            }
            catch (TransportException)
            {
                // The session is ending; its executor sees the same failure and cleans up.
                return;
            }
            finally
            {
                _sendGate.Exit();
            }
        }
    }

    /// <summary>Sends one piece of device output as records of at most <see cref="ProtocolLimits.MaxDeviceOutputRecordBytes"/>. Caller holds the send lock.</summary>
    private void SendDeviceOutputLocked(DeviceOutputTarget stream, ReadOnlySpan<byte> text)
    {
        while (!text.IsEmpty)
        {
            var piece = text[..Math.Min(text.Length, ProtocolLimits.MaxDeviceOutputRecordBytes)];
            _notifications.Clear();
            var start = ReplyHeader.BeginRecord(_notifications, ReplyKind.DeviceOutput, 0, CudaStatus.Success, CudaStatus.Success);
            _notifications.WriteByte((byte)stream);
            _notifications.WriteSpan(piece);
            ReplyHeader.EndRecord(_notifications, start);
            SendWatched(_notifications.WrittenMemory);
            text = text[piece.Length..];
        }
    }

    /// <summary>Sends every queued notification, in the order the GPU reached them. Caller holds the send lock.</summary>
    private void SendReachedMarkersLocked()
    {
        if (_reachedMarkers.IsEmpty)
        {
            return;
        }
        _notifications.Clear();
        while (_reachedMarkers.TryDequeue(out var marker))
        {
            var start = ReplyHeader.BeginRecord(_notifications, ReplyKind.HostFunctionReached, 0, CudaStatus.Success, CudaStatus.Success);
            _notifications.WriteUInt64(marker);
            ReplyHeader.EndRecord(_notifications, start);
        }
        SendWatched(_notifications.WrittenMemory);
    }

    private void Cleanup()
    {
        _ended = true;
        _objects.DestroyAll();
        _gpuTurns?.Dispose(); // after its contexts are gone: the session's work no longer occupies the GPU
        try
        {
            _connection.Abort("session ended");
            SyncWait.Wait(_connection.DisposeAsync());
        }
        catch (TransportException)
        {
        }
        Dispose();
        Log.SessionCleanedUp(_logger, Id, _clientName);
        _onEnded(this);
        _completion.TrySetResult();
    }

    /// <summary>Returns the pooled buffers; called once the executor has stopped.</summary>
    /// <summary>Sends one message, under the watch that ends the session when its client stops reading.</summary>
    private void SendWatched(ReadOnlyMemory<byte> message)
    {
        _sendWatch.Begin();
        try
        {
            SyncWait.Wait(_connection.SendAsync(message));
        }
        finally
        {
            _sendWatch.End();
        }
    }

    public void Dispose()
    {
        _sendWatch.Dispose();
        lock (_sendGate)
        {
            _replies.Dispose();
            _notifications.Dispose();
        }
        _calls.Dispose();
    }
}
