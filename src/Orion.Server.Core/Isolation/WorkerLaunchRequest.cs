using Orion.Transport;

namespace Orion.Server.Core.Isolation;

/// <summary>What a worker for one session needs.</summary>
/// <param name="SessionId">The supervisor's id of the session (for logs; the worker reports it in its welcome).</param>
/// <param name="ListenEndpoint">Where the worker listens: the interface the client reached, port 0 (ephemeral).</param>
/// <param name="Ticket">The one-time ticket (64 lowercase hex characters) the client must present.</param>
/// <param name="Devices">Backend ordinals the session may use.</param>
/// <param name="ChunkBytes">Bulk chunk size.</param>
/// <param name="ConnectTimeout">How long the worker waits for its client before it exits.</param>
/// <param name="ModuleCache">The server's module image cache, shared by its workers; null for none.</param>
/// <param name="SendTimeout">How long the session's send may wait for its client to read (null: 60 s).</param>
/// <param name="Limits">What the session may hold at once (null: <see cref="SessionLimits.Default"/>); on a vGPU, its memory quota is the vGPU's.</param>
/// <param name="VGpu">The vGPU the supervisor placed the session on, for its welcome; null for none.</param>
/// <param name="GpuTimeSocket">The supervisor's GPU time socket, where the worker takes its turns on the GPU (compute share
/// enforcement); null when the share is not enforced.</param>
/// <param name="AllowCompression">Whether the client may have its bulk chunks travel LZ4-compressed.</param>
public sealed record WorkerLaunchRequest(
    ulong SessionId,
    TransportEndpoint ListenEndpoint,
    string Ticket,
    IReadOnlyList<int> Devices,
    int ChunkBytes,
    TimeSpan ConnectTimeout,
    ModuleCache.ModuleCacheOptions? ModuleCache = null,
    TimeSpan? SendTimeout = null,
    SessionLimits? Limits = null,
    Orion.Cuda.Protocol.Wire.VGpuAssignment? VGpu = null,
    string? GpuTimeSocket = null,
    bool AllowCompression = true)
{
    /// <summary>The server's certificate, for a worker that listens on <c>tls://</c> (the scheme the client reached the
    /// supervisor with); its files are read by the worker. Null: none.</summary>
    public Tls.TlsCertificateOptions? Tls { get; init; }

    /// <summary>What the record's <c>ToString</c> shows: everything but the ticket, a credential that is never printed
    /// (a launcher may log its request).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("SessionId = ").Append(SessionId)
            .Append(", ListenEndpoint = ").Append(ListenEndpoint)
            .Append(", Ticket = (hidden)")
            .Append(", Devices = [").AppendJoin(", ", Devices).Append(']')
            .Append(", ChunkBytes = ").Append(ChunkBytes)
            .Append(", ConnectTimeout = ").Append(ConnectTimeout)
            .Append(", ModuleCache = ").Append(ModuleCache)
            .Append(", SendTimeout = ").Append(SendTimeout)
            .Append(", Limits = ").Append(Limits)
            .Append(", VGpu = ").Append(VGpu)
            .Append(", GpuTimeSocket = ").Append(GpuTimeSocket)
            .Append(", AllowCompression = ").Append(AllowCompression)
            .Append(", Tls = ").Append(Tls);
        return true;
    }
}
