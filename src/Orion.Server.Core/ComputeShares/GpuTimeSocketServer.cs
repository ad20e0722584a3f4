using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Orion.Server.Core.ComputeShares;

/// <summary>
/// Process isolation: the supervisor's GPU time schedulers, served to its workers over a Unix socket
/// (<see cref="GpuTimeWire"/>). A worker is admitted once, with the key of the session the supervisor registered for it,
/// and leaves its scheduler when its connection closes, however its process ended.
/// </summary>
internal sealed class GpuTimeSocketServer : IAsyncDisposable
{
    /// <summary>How long a worker has to present its key once connected.</summary>
    private static readonly TimeSpan KeyTimeout = TimeSpan.FromSeconds(10);

    private readonly GpuTimeSchedulers _schedulers;
    private readonly ILogger _logger;
    private readonly DirectoryInfo _directory;
    private readonly Socket _listener;
    private readonly ConcurrentDictionary<ulong, Registration> _registrations = new();
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;

    private sealed record Registration(byte[] Key, int Device, int SharePercent, string Name);

    private GpuTimeSocketServer(GpuTimeSchedulers schedulers, ILogger logger)
    {
        _schedulers = schedulers;
        _logger = logger;
        // CreateTempSubdirectory makes the directory mode 0700: only this user's processes reach the socket.
        _directory = Directory.CreateTempSubdirectory("orion-gpu-time-");
        SocketPath = Path.Combine(_directory.FullName, "turns.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            _listener.Listen(128);
        }
        catch
        {
            _listener.Dispose();
            _directory.Delete(recursive: true);
            throw;
        }
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where workers connect.</summary>
    public string SocketPath { get; }

    public static GpuTimeSocketServer Start(GpuTimeSchedulers schedulers, ILogger logger) => new(schedulers, logger);

    /// <summary>Expects the worker of session <paramref name="sessionId"/>, whose ticket is <paramref name="ticket"/>.</summary>
    public void Register(ulong sessionId, string ticket, int device, int sharePercent, string name) =>
        _registrations[sessionId] = new Registration(GpuTimeWire.KeyOf(ticket), device, sharePercent, name);

    /// <summary>The worker is gone (or never started): its key is no longer accepted.</summary>
    public void Unregister(ulong sessionId) => _registrations.TryRemove(sessionId, out _);

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stopping.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            _connections[connection] = 0;
            _ = Task.Run(() => ServeAsync(connection));
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        GpuTimeScheduler? scheduler = null;
        GpuTimeParticipant? participant = null;
        try
        {
            var key = new byte[GpuTimeWire.KeyBytes];
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                timeout.CancelAfter(KeyTimeout);
                for (var read = 0; read < key.Length;)
                {
                    var got = await connection.ReceiveAsync(key.AsMemory(read), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                    if (got == 0)
                    {
                        return;
                    }
                    read += got;
                }
            }
            var (sessionId, registration) = Find(key);
            if (registration is null || !_registrations.TryRemove(sessionId, out _))
            {
                ComputeShareLog.UnknownWorkerKey(_logger);
                return;
            }
            connection.Blocking = false; // the news is sent under the scheduler's lock: never wait there
            scheduler = _schedulers.For(registration.Device);
            participant = scheduler.Join(new SocketHolder(connection), registration.SharePercent, registration.Name);
            var command = new byte[1];
            while (await connection.ReceiveAsync(command, SocketFlags.None, _stopping.Token).ConfigureAwait(false) == 1)
            {
                switch (command[0])
                {
                    case GpuTimeWire.Request: scheduler.Request(participant); break;
                    case GpuTimeWire.Release: scheduler.Release(participant); break;
                    case GpuTimeWire.Requeue: scheduler.Release(participant, requeue: true); break;
                    default: return; // not ours: the worker is broken; it leaves
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The worker went away (or the server is stopping): it leaves below.
        }
        finally
        {
            if (participant is not null)
            {
                scheduler!.Leave(participant);
            }
            _connections.TryRemove(connection, out _);
            connection.Dispose();
        }
    }

    private (ulong SessionId, Registration? Registration) Find(byte[] key)
    {
        foreach (var (sessionId, registration) in _registrations)
        {
            if (CryptographicOperations.FixedTimeEquals(registration.Key, key))
            {
                return (sessionId, registration);
            }
        }
        return (0, null);
    }

    /// <summary>Tells a worker the scheduler's news, one byte each; called under the scheduler's lock, so a send never waits
    /// (a worker that stopped reading would have to leave a socket buffer's worth of news unread first).</summary>
    private sealed class SocketHolder(Socket connection) : IGpuTimeHolder
    {
        private readonly byte[] _granted = [GpuTimeWire.Granted];
        private readonly byte[] _yield = [GpuTimeWire.YieldRequested];
        private readonly byte[] _revoked = [GpuTimeWire.Revoked];

        public void Granted() => Send(_granted);

        public void YieldRequested() => Send(_yield);

        public void Revoked() => Send(_revoked);

        private void Send(byte[] news)
        {
            try
            {
                connection.Send(news); // non-blocking socket (ServeAsync): a full buffer throws rather than waits
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The worker is gone; its connection's end makes it leave the scheduler.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }
        _stopping.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
