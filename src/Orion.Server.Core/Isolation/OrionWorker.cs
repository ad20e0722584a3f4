using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Sessions;
using Orion.Transport;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// Serves exactly one session: listens on an ephemeral endpoint, admits the first connection that
/// presents the ticket (others are refused), serves it with the ordinary session code, and completes
/// when that session ends. Completes early (<see cref="WorkerExitCodes.NoClient"/>) when no client
/// presents the ticket within the connect timeout. <see cref="OrionWorkerProcess"/> runs one per worker process.
/// </summary>
public sealed class OrionWorker : IAsyncDisposable
{
    /// <summary>No exit code yet (every real one is non-negative).</summary>
    private const int NotStopped = -1;

    private readonly IGpuBackend _backend;
    private readonly TransportFactory _transports;
    private readonly WorkerLaunchRequest _request;
    private readonly TransportOptions _transportOptions;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ServerSession, byte> _connections = new();
    private readonly TaskCompletionSource<int> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private TransportListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private Task _connectTimeout = Task.CompletedTask;
    private ServerSessionConfig? _config;
    private ServerSession? _admitted;
    private int _listenerClosed;
    private int _exitCode = NotStopped;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? _certificate;

    public OrionWorker(IGpuBackend backend, TransportFactory transports, WorkerLaunchRequest request, TransportOptions? transportOptions = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(transports);
        ArgumentNullException.ThrowIfNull(request);
        if (!WorkerTicket.IsWellFormed(request.Ticket))
        {
            throw new ArgumentException("The ticket must be 64 lowercase hex characters.", nameof(request));
        }
        _backend = backend;
        _transports = transports;
        _request = request;
        _transportOptions = transportOptions ?? TransportOptions.Default;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<OrionWorker>();
    }

    /// <summary>Where the device's printed text is read for the session (a worker process's captured standard
    /// streams); null leaves device output where the driver prints it. Set before <see cref="StartAsync"/>.</summary>
    internal IDeviceOutputSource? DeviceOutput { get; set; }

    /// <summary>The endpoint actually bound, once started.</summary>
    public TransportEndpoint Endpoint => _listener?.Endpoint ?? throw new InvalidOperationException("The worker has not started.");

    /// <summary>Completes with the worker's exit code (<see cref="WorkerExitCodes"/>).</summary>
    public Task<int> Completion => _completion.Task;

    /// <summary>Describes the devices and starts listening.</summary>
    /// <exception cref="InvalidOperationException">No device, or a requested device does not exist.</exception>
    /// <exception cref="TransportException">The endpoint cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        // The ticket is one-time and 256 bits: no failure limit, and the listener closes once it is used.
        _config = OrionServer.DescribeDevices(_backend, _request.Devices.ToList(), new Authentication.ClientAuthenticator(_request.Ticket), _request.ChunkBytes) with
        {
            TokenIsWorkerTicket = true,
            HelloTimeout = _request.ConnectTimeout,
            SendTimeout = _request.SendTimeout,
            Limits = _request.Limits,
            VGpu = _request.VGpu,
            AllowCompression = _request.AllowCompression,
            DeviceOutput = DeviceOutput,
            ModuleCache = _request.ModuleCache is { } cache ? new ModuleCache.DiskModuleImageCache(cache, _logger) : null,
            ComputeShares = _request.GpuTimeSocket is { } socket ? new ComputeShares.SocketComputeShareJoiner(socket, _request.Ticket, _logger) : null,
        };
        _config = _config.WithQuotaApplied();
        var listenOptions = _transportOptions;
        if (OrionServer.IsTls(_request.ListenEndpoint))
        {
            var tls = _request.Tls ?? throw new InvalidOperationException($"Cannot listen on {_request.ListenEndpoint}: TLS needs the server's certificate (WorkerLaunchRequest.Tls).");
            _certificate = Tls.ServerCertificate.Load(tls);
            listenOptions = _transportOptions with { Tls = new TransportTlsOptions { ServerCertificate = _certificate } };
        }
        _listener = await _transports.ListenAsync(_request.ListenEndpoint, listenOptions, cancellationToken).ConfigureAwait(false);
        Log.WorkerListening(_logger, _request.SessionId, _listener.Endpoint.ToString());
        _acceptLoop = AcceptLoopAsync(_listener);
        _connectTimeout = ExpireAsync();
    }

    private async Task ExpireAsync()
    {
        try
        {
            await Task.Delay(_request.ConnectTimeout, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (Volatile.Read(ref _admitted) is null)
        {
            Log.WorkerNoClient(_logger, _request.SessionId, _request.ConnectTimeout.TotalSeconds);
            await StopAsync(WorkerExitCodes.NoClient).ConfigureAwait(false);
        }
    }

    private async Task AcceptLoopAsync(TransportListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            TransportConnection connection;
            try
            {
                connection = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (TransportException ex)
            {
                if (Volatile.Read(ref _listenerClosed) != 0)
                {
                    return;
                }
                Log.AcceptFailed(_logger, listener.Endpoint.ToString(), ex.Message);
                continue;
            }
            ServerSession? session = null;
            session = new ServerSession(_request.SessionId, connection, _backend, _config!, _logger, OnSessionEnded, () => Admit(session!));
            _connections[session] = 0;
            session.Start();
        }
    }

    /// <summary>Called from a session's handshake after its ticket matched: the first one wins, the listener then closes.</summary>
    private bool Admit(ServerSession session)
    {
        if (Interlocked.CompareExchange(ref _admitted, session, null) is not null)
        {
            return false;
        }
        _ = CloseListenerAsync();
        return true;
    }

    private void OnSessionEnded(ServerSession session)
    {
        _connections.TryRemove(session, out _);
        if (ReferenceEquals(Volatile.Read(ref _admitted), session))
        {
            _ = StopAsync(WorkerExitCodes.SessionEnded);
        }
    }

    private async Task CloseListenerAsync()
    {
        if (Interlocked.Exchange(ref _listenerClosed, 1) != 0 || _listener is null)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Ends the worker with <paramref name="exitCode"/>: closes the listener, ends every connection and waits for their cleanup.
    /// When stops race, the first one's exit code is reported.</summary>
    public async Task StopAsync(int exitCode)
    {
        // Stopping aborts the admitted session, whose end stops the worker again as SessionEnded: the first reason must win.
        Interlocked.CompareExchange(ref _exitCode, exitCode, NotStopped);
        await CloseListenerAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        var sessions = _connections.Keys.ToArray();
        foreach (var session in sessions)
        {
            session.Abort("worker stopping");
        }
        await Task.WhenAll(sessions.Select(s => s.Completion)).ConfigureAwait(false);
        _completion.TrySetResult(Volatile.Read(ref _exitCode));
    }

    /// <summary>Stops (as if the supervisor went away) unless already ended.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(WorkerExitCodes.SupervisorGone).ConfigureAwait(false);
        await _connectTimeout.ConfigureAwait(false);
        _certificate?.Dispose();
        _stopping.Dispose();
    }
}
