using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.VGpus;
using Orion.Transport;

namespace Orion.Server.Core;

/// <summary>How an <see cref="OrionServer"/> listens and what it offers.</summary>
public sealed class OrionServerOptions
{
    /// <summary>Endpoints to listen on (any scheme the transport factory knows); at least one.</summary>
    public IList<TransportEndpoint> Endpoints { get; } = [];

    /// <summary>Backend device ordinals to expose, in the order clients see them; empty exposes all.</summary>
    public IList<int> Devices { get; } = [];

    /// <summary>The token clients must present in their hello; null or empty accepts any client (then only loopback
    /// endpoints may be listened on, unless <see cref="AllowUnauthenticated"/>). Compared in constant time; never logged.
    /// A host should read it from a file or the environment, never from its command line (visible to every user).</summary>
    public string? AuthToken { get; set; }

    /// <summary>A file holding the token clients must present, read when the server starts with the rules of
    /// <see cref="Orion.Cuda.Protocol.Security.AuthTokenFile"/> (readable by its owner only; its trailing line break
    /// trimmed). Not together with <see cref="AuthToken"/>.</summary>
    public string? AuthTokenFile { get; set; }

    /// <summary>
    /// Lets the server listen without a token on endpoints that other hosts can reach. Off by default: without a token,
    /// <see cref="OrionServer.StartAsync"/> refuses (<see cref="UnauthenticatedEndpointException"/>) any endpoint that is
    /// not loopback (<c>127.0.0.0/8</c>, <c>::1</c>, <c>localhost</c>) or in-process.
    /// </summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>The certificate of the server's <c>tls://</c> endpoints (TLS over TCP), and its workers' in process
    /// isolation; null: none, and a <c>tls://</c> endpoint is refused.</summary>
    public Tls.TlsCertificateOptions? Tls { get; set; }

    /// <summary>
    /// Lets the server listen without TLS on endpoints that other hosts can reach. Off by default: <see cref="OrionServer.StartAsync"/>
    /// refuses (<see cref="UnencryptedEndpointException"/>) any endpoint that is not <c>tls://</c>, loopback or in-process,
    /// since the token and every session's data would cross the network in clear. For trusted networks (and RDMA fabrics,
    /// which have no TLS) only.
    /// </summary>
    public bool AllowUnencrypted { get; set; }

    /// <summary>How failed authentications are limited per remote address (default: 5 failures within a minute lock the
    /// address out for 5 minutes; at most 10,000 addresses tracked). The same in both isolation modes.</summary>
    public Authentication.AuthFailureLimits AuthFailureLimits { get; set; } = new();

    /// <summary>The clock of the failure limit; tests use a fake one.</summary>
    internal TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Bulk chunk size for copies and module images (64 KiB .. 64 MiB).</summary>
    public int ChunkBytes { get; set; } = ProtocolLimits.DefaultChunkBytes;

    /// <summary>Whether a client may have its sessions' bulk chunks travel LZ4-compressed (<c>ORION_COMPRESSION</c> on or auto
    /// on the client; docs/protocol.md, <i>Compressed chunks</i>). True by default; false answers such a client with plain chunks.</summary>
    public bool AllowCompression { get; set; } = true;

    /// <summary>Transport limits for accepted connections (this instance's own, so that binding it from configuration changes no other).</summary>
    public TransportOptions TransportOptions { get; set; } = new();

    /// <summary>Where sessions run: <see cref="SessionIsolation.Context"/> (in this process) or
    /// <see cref="SessionIsolation.Process"/> (a worker per session, which needs <see cref="WorkerLauncher"/>).</summary>
    public SessionIsolation Isolation { get; set; } = SessionIsolation.Context;

    /// <summary>Starts workers in process-isolation mode.</summary>
    public Isolation.IWorkerLauncher? WorkerLauncher { get; set; }

    /// <summary>How long a worker waits for its redirected client before it exits.</summary>
    public TimeSpan WorkerConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most workers (sessions) alive at once in process-isolation mode; further clients are refused as unavailable.</summary>
    public int MaxWorkers { get; set; } = 256;

    /// <summary>
    /// What a client may see of other tenants' sessions (<c>orion smi</c>): false (the default) lists each client only its
    /// own session and how many there are in all; true lists every session's id, client name (the program's path and
    /// process id), vGPU and device memory held, to anyone holding the token. Never their handles or data. The vGPU
    /// table (which vGPUs are free, and the ids holding the rest) is shown either way: admission refusals say as much.
    /// </summary>
    public bool ShowAllSessions { get; set; }

    /// <summary>Most sessions at once in context-isolation mode, counting connections that have not said hello yet;
    /// further clients are refused as unavailable.</summary>
    public int MaxSessions { get; set; } = 256;

    /// <summary>Most connections the server holds open at once, whatever their state (saying hello, in a session, being
    /// redirected to a worker or refused); a connection past it is refused as unavailable at once and closed. Default 1,024.</summary>
    public int MaxConnections { get; set; } = 1024;

    /// <summary>Most connections one remote address (an IPv4 address, an IPv6 /64 prefix) holds open at once; a connection
    /// past it is refused as unavailable at once and closed, and other addresses are unaffected. Default 64.</summary>
    public int MaxConnectionsPerAddress { get; set; } = 64;

    /// <summary>How long a session's send may wait for its client to read before the session ends (a client that
    /// stops reading would otherwise hold the session and its device memory); <see cref="Timeout.InfiniteTimeSpan"/>
    /// disables it.</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>What one session may hold at once (memory quota, allocations, streams, events, modules).</summary>
    public SessionLimits SessionLimits { get; set; } = new();

    /// <summary>How the GPUs are divided into vGPUs, on which sessions are placed by what their hello asks for (admission
    /// control). Empty (the default): no vGPUs, every session sees every exposed device.</summary>
    public VGpuOptions VGpus { get; set; } = new();

    /// <summary>
    /// How long a session on a vGPU may keep its GPU to itself while a session of another vGPU of the same GPU waits
    /// (compute shares are enforced by turns of this length, <see cref="ComputeShares.GpuTimeScheduler"/>). Longer turns
    /// cost fewer drains of the GPU's queue, shorter ones make a waiting tenant wait less. <see cref="TimeSpan.Zero"/>
    /// leaves compute shares unenforced (recorded and reported only). Default 20 ms.
    /// </summary>
    public TimeSpan ComputeQuantum { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How long a hello that finds every vGPU that would fit it in use waits for one to be given back before it is refused
    /// (a job that starts just as another ends is placed once the other's session has been cleaned up, which in process
    /// isolation takes until its worker has exited). <see cref="TimeSpan.Zero"/> refuses at once. Keep it shorter than the
    /// clients' handshake timeout (the client library's <c>ORION_CONNECT_TIMEOUT_MS</c>, 5 s by default), or a client gives up
    /// before it hears why. Default 3 s.
    /// </summary>
    public TimeSpan AdmissionWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long the server waits for a client's hello before it drops the connection.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A directory where module images are kept by content for every session and worker of this server
    /// (<see cref="ModuleCache.ModuleCacheOptions"/>); null (the default) keeps none.</summary>
    public ModuleCache.ModuleCacheOptions? ModuleCache { get; set; }

    /// <summary>What one session may hold of the virtual memory management API, for sessions of this process (context
    /// isolation); null: <see cref="Sessions.SessionVirtualMemoryLimits.Default"/>. Tests lower the limits to reach them.</summary>
    internal Sessions.SessionVirtualMemoryLimits? VirtualMemoryLimits { get; set; }
}
