using System.Threading.Channels;
using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// Listens on a Unix domain socket. A thread of its own blocks in accept (no CPU while idle); each
/// accepted socket's setup (read the hello and the memfd, check them, map, answer) runs on a
/// short-lived thread of its own, bounded by <see cref="TransportOptions.ConnectTimeout"/>, so a client that stalls or
/// lies delays and harms nobody else.
/// </summary>
internal sealed class SharedMemoryListener : TransportListener
{
    private const int Backlog = 512;
    private const int ReadyBacklog = 1024;

    private readonly SharedMemoryTransport _transport;
    private readonly TransportOptions _options;
    private readonly string _path;
    private readonly FileDescriptorHandle _socket;
    private readonly Thread _acceptor;
    private readonly Channel<SharedMemoryConnection> _ready = Channel.CreateBounded<SharedMemoryConnection>(
        new BoundedChannelOptions(ReadyBacklog) { FullMode = BoundedChannelFullMode.Wait });
    private int _stopped;

    private SharedMemoryListener(SharedMemoryTransport transport, TransportEndpoint endpoint, string path, FileDescriptorHandle socket, TransportOptions options)
    {
        _transport = transport;
        Endpoint = endpoint;
        _path = path;
        _socket = socket;
        _options = options;
        _acceptor = new Thread(AcceptLoop) { IsBackground = true, Name = "Orion shm listener " + path };
    }

    public override TransportEndpoint Endpoint { get; }

    public static SharedMemoryListener Start(SharedMemoryTransport transport, TransportEndpoint endpoint, string path, TransportOptions options)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && !endpoint.Host.StartsWith('/'))
        {
            Directory.CreateDirectory(directory); // the default directory of shm://host:port sockets
        }
        var socket = UnixSocket.Create();
        try
        {
            BindReplacingStale(socket, endpoint, path);
            if (transport.Settings.SocketPermissions is { } permissions && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, permissions);
            }
        }
        catch (NativeCallException exception)
        {
            socket.Dispose();
            throw new TransportException(TransportError.Unavailable, $"Cannot listen on {endpoint} (socket {path}): {exception.Message}", exception);
        }
        var listener = new SharedMemoryListener(transport, endpoint, path, socket, options);
        listener._acceptor.Start();
        return listener;
    }

    /// <summary>Binds; a socket file left by a server that is gone (nobody accepts on it) is replaced,
    /// one that a live server listens on is not.</summary>
    private static void BindReplacingStale(FileDescriptorHandle socket, TransportEndpoint endpoint, string path)
    {
        try
        {
            UnixSocket.Bind(socket, path, Backlog);
        }
        catch (NativeCallException exception) when (exception.Errno == 98 /* EADDRINUSE */)
        {
            using var probe = UnixSocket.Create();
            try
            {
                UnixSocket.Connect(probe, path);
            }
            catch (NativeCallException refused) when (refused.Errno == 111 /* ECONNREFUSED */)
            {
                _ = LinuxMethods.Unlink(path);
                UnixSocket.Bind(socket, path, Backlog);
                return;
            }
            throw new TransportException(TransportError.Unavailable, $"{endpoint}: another server listens on {path}.");
        }
    }

    public override async ValueTask<TransportConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(SharedMemoryListener), $"The listener on {Endpoint} is stopped.");
        }
    }

    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _ = LinuxMethods.Shutdown(_socket.Fd, LinuxMethods.SHUT_RDWR); // wakes the blocked accept
            WakeAcceptor();
            _ = LinuxMethods.Unlink(_path);
            _socket.Dispose(); // closed once the accepting thread lets go of it
            _ready.Writer.TryComplete();
            while (_ready.Reader.TryRead(out var orphan))
            {
                orphan.Abort("the listener stopped before accepting the connection");
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>A connection of our own, in case the shutdown did not end the blocked accept: the
    /// accepting thread then sees the stop flag and leaves.</summary>
    private void WakeAcceptor()
    {
        try
        {
            using var wake = UnixSocket.Create();
            UnixSocket.SetTimeouts(wake, TimeSpan.FromSeconds(1));
            UnixSocket.Connect(wake, _path);
        }
        catch (NativeCallException)
        {
            // Refused: the shutdown already ended the listening socket, and with it the accept.
        }
    }

    private void AcceptLoop()
    {
        var added = false;
        try
        {
            _socket.DangerousAddRef(ref added);
            while (Volatile.Read(ref _stopped) == 0)
            {
                var accepted = UnixSocket.Accept(_socket);
                if (accepted is null)
                {
                    return;
                }
                if (Volatile.Read(ref _stopped) != 0)
                {
                    accepted.Dispose();
                    return;
                }
                // A thread of its own, not the pool's: setup blocks (bounded by ConnectTimeout), and
                // clients that connect in a burst must not wait for the pool to grow.
                new Thread(() => SetUp(accepted)) { IsBackground = true, Name = "Orion shm setup" }.Start();
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                _socket.DangerousRelease();
            }
        }
    }

    private void SetUp(FileDescriptorHandle socket)
    {
        var logger = _transport.Logger;
        LinuxMethods.UnixCredentials peer = default;
        SegmentMapping? mapping = null;
        try
        {
            UnixSocket.SetTimeouts(socket, _options.ConnectTimeout);
            peer = UnixSocket.PeerCredentials(socket);
            SharedMemoryLog.Accepted(logger, _path, peer.ProcessId, peer.UserId, peer.GroupId);
            if (_transport.Settings.AllowedPeerUserIds is { } allowed && !allowed.Contains(peer.UserId))
            {
                Refuse(socket, peer, $"uid {peer.UserId} is not allowed to connect");
                return;
            }
            Span<byte> hello = stackalloc byte[64];
            var length = UnixSocket.ReceiveRecord(socket, hello, out var segment);
            using (segment)
            {
                var refusal = length == 0 ? "the client left during setup" : SetupRecords.ReadHello(hello[..length], out var capacity);
                if (refusal is null && segment is null)
                {
                    refusal = "the hello came without the segment's descriptor";
                }
                if (refusal is null)
                {
                    refusal = MemoryFile.CheckReceived(segment!, SegmentLayout.SegmentLength(SetupRecords.ReadHelloCapacity(hello[..length])));
                }
                if (refusal is not null)
                {
                    Refuse(socket, peer, refusal);
                    return;
                }
                mapping = SegmentMapping.Map(segment!, SetupRecords.ReadHelloCapacity(hello[..length]));
            }
            Span<byte> answer = stackalloc byte[SetupRecords.MaxAnswerLength];
            UnixSocket.SendRecord(socket, answer[..SetupRecords.WriteAnswer(answer, null)], null);
            UnixSocket.SetTimeouts(socket, TimeSpan.Zero);
            var remote = new TransportEndpoint(SharedMemoryTransport.Scheme, $"pid-{peer.ProcessId}", 0);
            var connection = SharedMemoryConnection.Create(socket, mapping, isClient: false, _options, _transport.Settings, Endpoint, remote);
            mapping = null;
            if (!_ready.Writer.TryWrite(connection))
            {
                connection.Abort("the listener is stopped or its accept queue is full");
            }
        }
        catch (Exception exception) when (exception is NativeCallException or TransportException or IOException)
        {
            SharedMemoryLog.Refused(logger, _path, peer.ProcessId, peer.UserId, exception.Message);
            socket.Dispose();
        }
        finally
        {
            mapping?.Dispose();
        }
    }

    private void Refuse(FileDescriptorHandle socket, LinuxMethods.UnixCredentials peer, string reason)
    {
        SharedMemoryLog.Refused(_transport.Logger, _path, peer.ProcessId, peer.UserId, reason);
        try
        {
            Span<byte> answer = stackalloc byte[SetupRecords.MaxAnswerLength];
            UnixSocket.SendRecord(socket, answer[..SetupRecords.WriteAnswer(answer, reason)], null);
        }
        catch (NativeCallException)
        {
        }
        socket.Dispose();
    }
}
