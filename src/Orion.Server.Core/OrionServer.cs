using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol.Security;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Authentication;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Sessions;
using Orion.Server.Core.VGpus;
using Orion.Transport;

namespace Orion.Server.Core;

/// <summary>
/// The Orion server: listens on any number of endpoints and runs one session per connection, each
/// with its own contexts on the backend's devices, its own executor thread, and a table of what it
/// created, all freed when the connection ends for any reason.
/// </summary>
public sealed partial class OrionServer : IAsyncDisposable
{
    private readonly IGpuBackend _backend;
    private readonly TransportFactory _transports;
    private readonly OrionServerOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ulong, ServerSession> _sessions = new();
    private readonly List<TransportListener> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stopping = new();
    private ServerSessionConfig? _config;

    /// <summary>The devices described, before any memory quota is applied: where a session placed on a vGPU gets its view.</summary>
    private ServerSessionConfig? _unplacedConfig;
    private VGpuAdmission? _admission;
    private ClientAuthenticator? _authenticator;

    /// <summary>The GPU time schedulers that enforce vGPU compute shares; null when no vGPU exists or enforcement is off.</summary>
    private ComputeShares.GpuTimeSchedulers? _gpuTime;

    /// <summary>Process isolation: where workers reach <see cref="_gpuTime"/>.</summary>
    private ComputeShares.GpuTimeSocketServer? _gpuTimeSocket;
    private long _nextSessionId;

    /// <summary>Connections held open, in all and per address (<see cref="OrionServerOptions.MaxConnections"/>).</summary>
    private ConnectionAdmission? _connections;

    /// <summary>The transport options of <c>tls://</c> endpoints: the configured ones with the server's certificate.</summary>
    private TransportOptions? _tlsOptions;

    /// <summary>Refusals of connections past a connection limit being sent now; past <see cref="MaxRefusalsInFlight"/>
    /// a connection is reset without one, so that a flood cannot make the refusals themselves pile up.</summary>
    private int _refusalsInFlight;
    private const int MaxRefusalsInFlight = 64;

    /// <summary>Context mode: sessions alive, from their accept (see <see cref="OrionServerOptions.MaxSessions"/>).</summary>
    private int _sessionSlots;
    private int _disposed;

    public OrionServer(IGpuBackend backend, TransportFactory transports, OrionServerOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(transports);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ChunkBytes, ProtocolLimits.MinChunkBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.ChunkBytes, ProtocolLimits.MaxChunkBytes);
        if (options.Isolation == SessionIsolation.Process && options.WorkerLauncher is null)
        {
            throw new ArgumentException("Process isolation needs a worker launcher.", nameof(options));
        }
        _backend = backend;
        _transports = transports;
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<OrionServer>();
    }

    /// <summary>The endpoints actually bound (a port 0 resolved), once started.</summary>
    public IReadOnlyList<TransportEndpoint> Endpoints => _listeners.Select(l => l.Endpoint).ToArray();

    /// <summary>Every vGPU and the session that holds it (empty without vGPUs).</summary>
    public IReadOnlyList<VGpuSnapshot> VGpus => _admission?.Snapshot() ?? [];

    /// <summary>What every live session holds now.</summary>
    public IReadOnlyList<SessionSnapshot> Sessions => _sessions.Values.Select(s => s.Snapshot()).ToArray();

    /// <summary>Reads the token, checks that every endpoint may be listened on, describes the devices, then starts
    /// listening on every endpoint.</summary>
    /// <exception cref="UnauthenticatedEndpointException">An endpoint is not loopback, no token is configured and
    /// <see cref="OrionServerOptions.AllowUnauthenticated"/> is not set; nothing listens.</exception>
    /// <exception cref="InvalidOperationException">The backend has no device, a requested device does not exist, or the
    /// token file is refused (<see cref="AuthTokenFile"/>).</exception>
    /// <exception cref="VGpuConfigurationException">The vGPUs do not fit their devices (or name one not exposed).</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_options.Endpoints.Count == 0)
        {
            throw new InvalidOperationException("The server needs at least one endpoint to listen on.");
        }
        _options.SessionLimits.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConnections, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConnectionsPerAddress, 1);
        _connections = new ConnectionAdmission(_options.MaxConnections, _options.MaxConnectionsPerAddress);
        var vgpus = _options.VGpus ?? throw new InvalidOperationException("OrionServerOptions.VGpus must not be null (an empty VGpuOptions means no vGPUs).");
        vgpus.Validate();
        var token = ResolveAuthToken(_options);
        if (string.IsNullOrEmpty(token))
        {
            foreach (var endpoint in _options.Endpoints)
            {
                if (LoopbackEndpoints.IsLoopback(endpoint))
                {
                    continue;
                }
                if (!_options.AllowUnauthenticated)
                {
                    throw new UnauthenticatedEndpointException(endpoint);
                }
                AuthenticationLog.ListeningOpen(_logger, endpoint.ToString());
            }
        }
        var certificate = _options.Tls is { } tls ? Tls.ServerCertificate.Load(tls) : null;
        foreach (var endpoint in _options.Endpoints)
        {
            if (IsTls(endpoint))
            {
                if (certificate is null)
                {
                    throw new InvalidOperationException($"Cannot listen on {endpoint}: TLS needs a certificate (OrionServerOptions.Tls: a certificate file and its key).");
                }
                continue;
            }
            if (LoopbackEndpoints.IsLoopback(endpoint))
            {
                continue;
            }
            if (!_options.AllowUnencrypted)
            {
                throw new UnencryptedEndpointException(endpoint);
            }
            AuthenticationLog.ListeningUnencrypted(_logger, endpoint.ToString());
        }
        _tlsOptions = certificate is null ? null : _options.TransportOptions with { Tls = new TransportTlsOptions { ServerCertificate = certificate } };
        var limits = _options.AuthFailureLimits ?? throw new InvalidOperationException("OrionServerOptions.AuthFailureLimits must not be null (MaxFailures = 0 turns the limit off).");
        limits.Validate();
        var limiter = limits.MaxFailures > 0 ? new AuthFailureLimiter(limits, _options.TimeProvider) : null;
        _authenticator = new ClientAuthenticator(token, limiter, _logger);
        _config = DescribeDevices(_backend, _options.Devices, _authenticator, _options.ChunkBytes) with
        {
            HelloTimeout = _options.HelloTimeout,
            SendTimeout = _options.SendTimeout,
            AllowCompression = _options.AllowCompression,
            VirtualMemory = _options.VirtualMemoryLimits,
            Limits = _options.SessionLimits,
        };
        var layout = VGpuLayout.Resolve(vgpus, _config.Devices, [.. _config.DeviceInfos.Select(info => info.TotalMemory)]);
        StartComputeShares(layout);
        _unplacedConfig = _config;
        _config = _config.WithQuotaApplied();
        _admission = new VGpuAdmission(layout, [.. _config.DeviceInfos.Select(info => info.TotalMemory)]);
        // Sessions in this process can show their clients the vGPU table and the sessions; a worker cannot (it sees one).
        var status = new StatusSource(this);
        _config = _config with { ServerStatus = status };
        _unplacedConfig = _unplacedConfig with { ServerStatus = status };
        if (_options.ModuleCache is { } cache && _options.Isolation == SessionIsolation.Context)
        {
            // Sessions in this process share it; in process isolation each worker opens the same directory.
            _config = _config with { ModuleCache = new ModuleCache.DiskModuleImageCache(cache, _logger) };
        }
        foreach (var endpoint in _options.Endpoints)
        {
            var listener = await _transports.ListenAsync(endpoint, IsTls(endpoint) ? _tlsOptions! : _options.TransportOptions, cancellationToken).ConfigureAwait(false);
            _listeners.Add(listener);
            Log.Listening(_logger, listener.Endpoint.ToString());
            _acceptLoops.Add(AcceptLoopAsync(listener));
        }
    }

    /// <summary>
    /// Compute shares are enforced when the GPUs have vGPUs and <see cref="OrionServerOptions.ComputeQuantum"/> is not zero:
    /// sessions of this process take turns through the schedulers directly, workers through the supervisor's socket.
    /// </summary>
    private void StartComputeShares(VGpuLayout layout)
    {
        var quantum = _options.ComputeQuantum;
        if (quantum <= TimeSpan.Zero || !layout.IsDivided)
        {
            return;
        }
        _gpuTime = new ComputeShares.GpuTimeSchedulers(quantum, _options.TimeProvider);
        if (_options.Isolation == SessionIsolation.Process)
        {
            _gpuTimeSocket = ComputeShares.GpuTimeSocketServer.Start(_gpuTime, _logger);
        }
        else
        {
            _config = _config! with { ComputeShares = _gpuTime };
        }
        ComputeShares.ComputeShareLog.Enforcing(_logger, quantum.TotalMilliseconds);
    }

    /// <summary>A <c>tls://</c> endpoint (TLS over TCP).</summary>
    internal static bool IsTls(TransportEndpoint endpoint) => string.Equals(endpoint.Scheme, "tls", StringComparison.OrdinalIgnoreCase);

    /// <summary>The token clients must present: <see cref="OrionServerOptions.AuthToken"/> or the contents of
    /// <see cref="OrionServerOptions.AuthTokenFile"/> (not both); null when neither is set.</summary>
    private static string? ResolveAuthToken(OrionServerOptions options)
    {
        if (string.IsNullOrEmpty(options.AuthTokenFile))
        {
            return string.IsNullOrEmpty(options.AuthToken) ? null : options.AuthToken;
        }
        if (!string.IsNullOrEmpty(options.AuthToken))
        {
            throw new InvalidOperationException("Set OrionServerOptions.AuthToken or AuthTokenFile, not both.");
        }
        return AuthTokenFile.Read(options.AuthTokenFile);
    }

    /// <summary>Describes the exposed devices once, for every session's welcome (also used by workers).</summary>
    internal static ServerSessionConfig DescribeDevices(IGpuBackend backend, IList<int> devices, ClientAuthenticator authenticator, int chunkBytes)
    {
        var status = backend.GetDeviceCount(out var count);
        if (status != CudaStatus.Success || count == 0)
        {
            throw new InvalidOperationException($"{backend.Description}: no device ({status}).");
        }
        var ordinals = devices.Count > 0 ? devices.ToArray() : Enumerable.Range(0, count).ToArray();
        if (ordinals.Length > ProtocolLimits.MaxDevices)
        {
            throw new InvalidOperationException($"At most {ProtocolLimits.MaxDevices} devices can be exposed.");
        }
        var infos = new RemoteDeviceInfo[ordinals.Length];
        for (var i = 0; i < ordinals.Length; i++)
        {
            if ((uint)ordinals[i] >= (uint)count)
            {
                throw new InvalidOperationException($"Device {ordinals[i]} does not exist; the backend has {count}.");
            }
            var infoStatus = backend.GetDeviceInfo(ordinals[i], out var info);
            if (infoStatus != CudaStatus.Success || info is null)
            {
                throw new InvalidOperationException($"Cannot describe device {ordinals[i]}: {infoStatus}.");
            }
            var attributes = info.Attributes.Take(ProtocolLimits.MaxDeviceAttributes).ToArray();
            infos[i] = new RemoteDeviceInfo(info.Name, info.Uuid, info.TotalMemory, attributes, info.PciBusId, info.IsEmulated);
        }
        backend.GetDriverVersion(out var driverVersion);
        return new ServerSessionConfig(ordinals, infos, authenticator, chunkBytes, driverVersion, backend.Description);
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
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (TransportException ex)
            {
                // A connection that failed while being accepted never affects the listener.
                Log.AcceptFailed(_logger, listener.Endpoint.ToString(), ex.Message);
                continue;
            }
            var id = (ulong)Interlocked.Increment(ref _nextSessionId);
            // Before anything is read: until it has authenticated, a peer may send only a hello-sized message.
            connection.MaxIncomingMessageSize = Math.Min(_options.SessionLimits.MaxUnauthenticatedMessageBytes, connection.Options.MaxMessageSize);
            if (_connections!.TryAdmit(connection.RemoteEndpoint, out var refusal) is not { } lease)
            {
                RefuseConnection(id, connection, refusal);
                continue;
            }
            if (_options.Isolation == SessionIsolation.Process)
            {
                TrackRedirect(id, connection, lease);
                continue;
            }
            // Counted from the accept, before the hello: a connection that says nothing holds a session thread too.
            if (Interlocked.Increment(ref _sessionSlots) > _options.MaxSessions)
            {
                Interlocked.Decrement(ref _sessionSlots);
                TrackRefusalAsBusy(id, connection, lease);
                continue;
            }
            var session = new ServerSession(id, connection, _backend, _config!, _logger, ended =>
            {
                _sessions.TryRemove(ended.Id, out _);
                _admission!.Release(ended.Id); // however the session ended: its vGPU is free once its contexts are gone
                Interlocked.Decrement(ref _sessionSlots);
                lease.Dispose();
            }, place: PlaceWaiting);
            _sessions[id] = session;
            session.Start();
        }
    }

    /// <summary>
    /// Admission in context isolation (<see cref="SessionPlacer"/>, on the session's own thread): the session's view where
    /// it was placed, or null with why not, after waiting up to <see cref="OrionServerOptions.AdmissionWait"/> for a vGPU
    /// that would fit to be given back.
    /// </summary>
    private ServerSessionConfig? PlaceWaiting(ulong sessionId, VGpuRequest request, out string refusal)
    {
        var deadline = _options.TimeProvider.GetTimestamp() + (long)(_options.AdmissionWait.TotalSeconds * _options.TimeProvider.TimestampFrequency);
        while (true)
        {
            var released = _admission!.NextRelease;
            if (Place(sessionId, request, out refusal) is { } placed)
            {
                return placed;
            }
            var remaining = deadline - _options.TimeProvider.GetTimestamp();
            if (remaining <= 0 || !_admission.CouldFitLater(request) || _stopping.IsCancellationRequested)
            {
                return null;
            }
            released.Wait(TimeSpan.FromSeconds((double)remaining / _options.TimeProvider.TimestampFrequency));
        }
    }

    /// <summary>The same in process isolation, on the supervisor's handshake task.</summary>
    private async Task<(ServerSessionConfig? Placed, string Refusal)> PlaceWaitingAsync(ulong sessionId, VGpuRequest request)
    {
        var deadline = _options.TimeProvider.GetTimestamp() + (long)(_options.AdmissionWait.TotalSeconds * _options.TimeProvider.TimestampFrequency);
        while (true)
        {
            var released = _admission!.NextRelease;
            if (Place(sessionId, request, out var refusal) is { } placed)
            {
                return (placed, "");
            }
            var remaining = deadline - _options.TimeProvider.GetTimestamp();
            if (remaining <= 0 || !_admission.CouldFitLater(request) || _stopping.IsCancellationRequested)
            {
                return (null, refusal);
            }
            try
            {
                await released.WaitAsync(TimeSpan.FromSeconds((double)remaining / _options.TimeProvider.TimestampFrequency), _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                // Tried once more above the loop's end.
            }
        }
    }

    /// <summary>Admission, at once: the session's view where it was placed, or null with why not.</summary>
    private ServerSessionConfig? Place(ulong sessionId, VGpuRequest request, out string refusal)
    {
        if (!_admission!.TryPlace(sessionId, request, out var placement, out refusal))
        {
            return null;
        }
        // Every device: the configuration all such sessions share.
        return placement.Device is null ? _config : _unplacedConfig!.PlacedOn(placement);
    }

    /// <summary>Stops listening, ends every session and waits until each has freed what it held.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var listener in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_acceptLoops).ConfigureAwait(false);
        var sessions = _sessions.Values.ToArray();
        foreach (var session in sessions)
        {
            session.Abort("server shutting down");
        }
        await Task.WhenAll(sessions.Select(s => s.Completion)).ConfigureAwait(false);
        await StopWorkersAsync().ConfigureAwait(false);
        if (_gpuTimeSocket is not null)
        {
            await _gpuTimeSocket.DisposeAsync().ConfigureAwait(false);
        }
        _gpuTime?.Dispose();
        _tlsOptions?.Tls?.ServerCertificate?.Dispose();
        _stopping.Dispose();
    }
}
