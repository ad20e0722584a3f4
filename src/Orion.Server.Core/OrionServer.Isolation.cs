using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Authentication;
using Orion.Server.Core.Isolation;
using Orion.Server.Core.Sessions;
using Orion.Transport;

namespace Orion.Server.Core;

/// <summary>Process isolation: the supervisor's side. It does the handshake, starts a worker per
/// session and redirects the client there; it never carries the session's traffic itself.</summary>
public sealed partial class OrionServer
{
    private readonly ConcurrentDictionary<ulong, (IWorker Worker, Task Watch)> _workers = new();

    /// <summary>Workers running or being started: taken before a launch, given back when it fails or the worker
    /// ends, so that concurrent hellos cannot start more than <see cref="OrionServerOptions.MaxWorkers"/>.</summary>
    private int _workerSlots;
    private readonly ConcurrentDictionary<ulong, Task> _redirects = new();

    /// <summary>The live workers (process isolation); empty in context mode.</summary>
    public IReadOnlyList<WorkerSnapshot> Workers =>
        _workers.Select(pair => new WorkerSnapshot(pair.Key, pair.Value.Worker.ProcessId, pair.Value.Worker.Endpoint)).ToArray();

    private void TrackRedirect(ulong id, TransportConnection connection, IDisposable lease)
    {
        var task = Task.Run(async () =>
        {
            using (lease)
            {
                await RedirectAsync(id, connection).ConfigureAwait(false);
            }
        });
        _redirects[id] = task;
        _ = task.ContinueWith(_ => _redirects.TryRemove(id, out var _), TaskScheduler.Default);
    }

    private async Task RedirectAsync(ulong id, TransportConnection connection)
    {
        var remote = connection.RemoteEndpoint.ToString();
        await using (connection.ConfigureAwait(false))
        {
            using var writer = new ProtocolWriter(1024);
            if (await ReceiveHelloAsync(id, connection, writer, remote).ConfigureAwait(false) is not { } hello)
            {
                return;
            }
            if (hello.Version != ProtocolLimits.Version)
            {
                await RefuseAsync(connection, writer, id, hello.ClientName, remote, HandshakeStatus.VersionMismatch,
                    $"protocol version {hello.Version} is not supported; this server speaks version {ProtocolLimits.Version}").ConfigureAwait(false);
                return;
            }
            // The same check as a session's in context isolation (ServerSession.Handshake), before any worker starts.
            var outcome = _authenticator!.Authenticate(hello.AuthToken, connection.RemoteEndpoint);
            if (outcome != AuthenticationOutcome.Accepted)
            {
                await RefuseAsync(connection, writer, id, hello.ClientName, remote, HandshakeStatus.AuthenticationFailed,
                    ClientAuthenticator.FailureReason,
                    outcome == AuthenticationOutcome.LockedOut ? ClientAuthenticator.LockedOutLogNote : "").ConfigureAwait(false);
                return;
            }
            if (Interlocked.Increment(ref _workerSlots) > _options.MaxWorkers)
            {
                Interlocked.Decrement(ref _workerSlots);
                await RefuseAsync(connection, writer, id, hello.ClientName, remote, HandshakeStatus.Unavailable,
                    $"the server already runs its maximum of {_options.MaxWorkers} sessions").ConfigureAwait(false);
                return;
            }
            // Placed before the worker starts, so that its devices and memory quota are the vGPU's; the vGPU is given
            // back when the worker exits (however its session ended) or fails to start.
            var (placed, refusal) = await PlaceWaitingAsync(id, hello.VGpu).ConfigureAwait(false);
            if (placed is null)
            {
                Interlocked.Decrement(ref _workerSlots);
                await RefuseAsync(connection, writer, id, hello.ClientName, remote, HandshakeStatus.NoCapacity, refusal).ConfigureAwait(false);
                return;
            }
            var ticket = WorkerTicket.Create();
            if (_gpuTimeSocket is not null && placed.VGpu is { } vgpu)
            {
                // The worker takes its GPU turns from this process's scheduler, presenting a key made from its ticket.
                _gpuTimeSocket.Register(id, ticket, placed.Devices[0], vgpu.SharePercent, $"session {id} ({hello.ClientName})");
            }
            var request = new WorkerLaunchRequest(id, WorkerListenEndpoint(connection.LocalEndpoint, id), ticket,
                placed.Devices, _options.ChunkBytes, _options.WorkerConnectTimeout,
                _options.ModuleCache is { } cache ? cache with { Directory = Path.GetFullPath(cache.Directory) } : null, _options.SendTimeout,
                placed.SessionLimits, placed.VGpu, placed.VGpu is not null ? _gpuTimeSocket?.SocketPath : null, _options.AllowCompression)
            {
                // The worker listens with the scheme the client used: on tls:// it presents the server's certificate.
                Tls = OrionServer.IsTls(connection.LocalEndpoint) && _options.Tls is { } tls
                    ? new Tls.TlsCertificateOptions(Path.GetFullPath(tls.CertificateFile), tls.KeyFile is null ? null : Path.GetFullPath(tls.KeyFile))
                    : null,
            };
            IWorker worker;
            try
            {
                worker = await _options.WorkerLauncher!.LaunchAsync(request, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WorkerLaunchException or OperationCanceledException)
            {
                Interlocked.Decrement(ref _workerSlots);
                _admission!.Release(id);
                _gpuTimeSocket?.Unregister(id);
                Log.WorkerLaunchFailed(_logger, id, ex.Message);
                await RefuseAsync(connection, writer, id, hello.ClientName, remote, HandshakeStatus.Unavailable,
                    "cannot start a worker for this session: " + ex.Message).ConfigureAwait(false);
                return;
            }
            catch
            {
                Interlocked.Decrement(ref _workerSlots); // no worker took the slot
                _admission!.Release(id);
                _gpuTimeSocket?.Unregister(id);
                throw;
            }
            // The watch may only forget the worker once it is in the table, however fast the worker exits.
            var tracked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _workers[id] = (worker, WatchWorkerAsync(id, worker, tracked.Task));
            tracked.SetResult();
            Log.SessionRedirected(_logger, id, hello.ClientName, remote, worker.Endpoint.ToString(), PidText(worker));
            try
            {
                ServerWelcome.Redirect(id, worker.Endpoint.ToString(), ticket).Encode(writer);
                await connection.SendAsync(writer.WrittenMemory).ConfigureAwait(false);
            }
            catch (TransportException)
            {
                // The client left; its worker times out waiting for it and exits.
            }
        }
    }

    /// <summary>
    /// A connection's hello, or null when it sent none within the hello timeout, left, or sent something else
    /// (then refused as malformed).
    /// </summary>
    private async Task<ClientHello?> ReceiveHelloAsync(ulong id, TransportConnection connection, ProtocolWriter writer, string remote)
    {
        try
        {
            using var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            helloTimeout.CancelAfter(_options.HelloTimeout);
            var message = await connection.ReceiveAsync(helloTimeout.Token).ConfigureAwait(false);
            return ClientHello.Decode(message.IsSingleSegment ? message.FirstSpan : message.ToArray());
        }
        catch (ProtocolException ex)
        {
            await RefuseAsync(connection, writer, id, "", remote, HandshakeStatus.MalformedHello, "not an Orion client hello: " + ex.Message).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (ex is TransportException or OperationCanceledException)
        {
            Log.SessionEndedBeforeHello(_logger, id, remote, ex is TransportException te ? te.Error : TransportError.Timeout);
            return null;
        }
    }

    /// <summary>Context mode at its session limit: the connection hears, once it says hello, that the server is full.</summary>
    private void TrackRefusalAsBusy(ulong id, TransportConnection connection, IDisposable lease)
    {
        var task = Task.Run(async () =>
        {
            using var held = lease;
            var remote = connection.RemoteEndpoint.ToString();
            await using (connection.ConfigureAwait(false))
            {
                using var writer = new ProtocolWriter(1024);
                if (await ReceiveHelloAsync(id, connection, writer, remote).ConfigureAwait(false) is { } hello)
                {
                    await RefuseAsync(connection, writer, id, hello.ClientName, remote, HandshakeStatus.Unavailable,
                        $"the server already serves its maximum of {_options.MaxSessions} sessions").ConfigureAwait(false);
                }
            }
        });
        _redirects[id] = task;
        _ = task.ContinueWith(_ => _redirects.TryRemove(id, out var _), TaskScheduler.Default);
    }

    /// <summary>
    /// A connection past <see cref="OrionServerOptions.MaxConnections"/> or <see cref="OrionServerOptions.MaxConnectionsPerAddress"/>:
    /// told at once, without waiting for its hello (a client reads the refusal as the answer to the hello it sends), then
    /// closed. When many such refusals are already being sent, the connection is reset without one.
    /// </summary>
    private void RefuseConnection(ulong id, TransportConnection connection, string reason)
    {
        var remote = connection.RemoteEndpoint.ToString();
        if (Interlocked.Increment(ref _refusalsInFlight) > MaxRefusalsInFlight || _stopping.IsCancellationRequested)
        {
            Interlocked.Decrement(ref _refusalsInFlight);
            Log.SessionRefused(_logger, id, "", remote, HandshakeStatus.Unavailable, reason + " (reset without a reply: too many refusals at once)");
            connection.Abort(reason);
            _ = connection.DisposeAsync().AsTask();
            return;
        }
        var task = Task.Run(async () =>
        {
            try
            {
                await using (connection.ConfigureAwait(false))
                {
                    using var writer = new ProtocolWriter(1024);
                    await RefuseAsync(connection, writer, id, "", remote, HandshakeStatus.Unavailable, reason).ConfigureAwait(false);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _refusalsInFlight);
            }
        });
        _redirects[id] = task;
        _ = task.ContinueWith(_ => _redirects.TryRemove(id, out var _), TaskScheduler.Default);
    }

    /// <summary>The worker listens where the client reached the supervisor (same scheme and interface), on an ephemeral port.</summary>
    private static TransportEndpoint WorkerListenEndpoint(TransportEndpoint local, ulong id) => local.Scheme switch
    {
        // In-memory endpoints are named, not numbered: give each worker its own name.
        "inproc" => local with { Host = string.Create(CultureInfo.InvariantCulture, $"{local.Host}-worker-{id}-{Guid.NewGuid():N}"), Port = 0 },
        // Shared memory: a socket of the worker's own beside the supervisor's, so that a client that reached the
        // supervisor there (a container given that directory included) reaches its worker too.
        "shm" => local with { Host = Path.Combine(SharedMemorySocketDirectory(local), string.Create(CultureInfo.InvariantCulture, $"orion-worker-{id}-{Guid.NewGuid():N}.sock")), Port = 0 },
        _ => local with { Host = Unmapped(local.Host), Port = 0 },
    };

    /// <summary>
    /// The directory of a <c>shm://</c> endpoint's socket: a <c>shm:///path</c> endpoint's own; for <c>shm://host:port</c>, the
    /// directory the shared-memory transport keeps such sockets in (<c>ORION_SHM_DIR</c>, else <c>/tmp/orion</c>, as
    /// Orion.Transport.SharedMemory's settings say; this layer does not reference that transport).
    /// </summary>
    private static string SharedMemorySocketDirectory(TransportEndpoint local) =>
        local.Host.StartsWith('/')
            ? Path.GetDirectoryName(local.Host) ?? "/"
            : Environment.GetEnvironmentVariable("ORION_SHM_DIR") is { Length: > 0 } directory ? directory : "/tmp/orion";

    /// <summary>A dual-stack socket reports IPv4 clients as <c>::ffff:a.b.c.d</c>; the worker binds (and the client dials) the plain IPv4 address.</summary>
    private static string Unmapped(string host) =>
        System.Net.IPAddress.TryParse(host, out var address) && address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : host;

    private async Task WatchWorkerAsync(ulong id, IWorker worker, Task tracked)
    {
        var exitCode = await worker.Exited.ConfigureAwait(false);
        await tracked.ConfigureAwait(false);
        Log.WorkerExited(_logger, id, PidText(worker), exitCode);
        _workers.TryRemove(id, out _);
        _admission!.Release(id); // the worker's process is gone, and with it everything its session held on the GPU
        _gpuTimeSocket?.Unregister(id); // a worker that never connected; one that did left its scheduler when its socket closed
        Interlocked.Decrement(ref _workerSlots);
        await worker.DisposeAsync().ConfigureAwait(false);
    }

    private static string PidText(IWorker worker) =>
        worker.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "in-process";

    /// <summary>Refuses a hello with <paramref name="reason"/>; <paramref name="logNote"/> is added to the log line only.</summary>
    private async Task RefuseAsync(TransportConnection connection, ProtocolWriter writer, ulong id, string clientName, string remote, HandshakeStatus status, string reason, string logNote = "")
    {
        Log.SessionRefused(_logger, id, clientName, remote, status, reason + logNote);
        writer.Clear();
        ServerWelcome.Refuse(status, reason.Length > 900 ? reason[..900] : reason).Encode(writer);
        try
        {
            await connection.SendAsync(writer.WrittenMemory).ConfigureAwait(false);
        }
        catch (TransportException)
        {
            // The client left first.
        }
    }

    /// <summary>Shutdown: waits for handshakes in flight, then kills every worker and waits for each to be reaped.</summary>
    private async Task StopWorkersAsync()
    {
        await Task.WhenAll(_redirects.Values.ToArray()).ConfigureAwait(false);
        var workers = _workers.Values.ToArray();
        foreach (var (worker, _) in workers)
        {
            worker.Kill();
        }
        await Task.WhenAll(workers.Select(w => w.Watch)).ConfigureAwait(false);
    }
}
