using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Sessions;

/// <summary>What every session of one server shares: exposed devices, limits, auth.</summary>
/// <param name="Devices">Backend ordinals of the devices exposed, in the order clients see them.</param>
/// <param name="DeviceInfos">Their descriptions, as sent in the welcome.</param>
/// <param name="Authenticator">Checks the token clients present (the server's token, or a worker's ticket), and limits failures.</param>
/// <param name="ChunkBytes">Bulk chunk size for copies and module images.</param>
/// <param name="DriverVersion">The backend driver version reported to clients.</param>
/// <param name="Description">The server description sent in the welcome.</param>
/// <param name="TokenIsWorkerTicket">True in a worker, whose token is the one-time ticket of its session (changes only the refusal text).</param>
/// <param name="DeviceOutput">Where the device's printed text is read, in a worker that serves one session; null where sessions share the process.</param>
/// <param name="ModuleCache">The server's module image cache, or null for none.</param>
/// <param name="HelloTimeout">How long a connection may take to say hello before it is dropped.</param>
/// <param name="SendTimeout">How long a send may wait for the client to read before the session ends (null: 60 s).</param>
/// <param name="VirtualMemory">What one session may hold of the virtual memory management API (null: <see cref="SessionVirtualMemoryLimits.Default"/>).</param>
/// <param name="Limits">What one session may hold at once (null: <see cref="SessionLimits.Default"/>).</param>
/// <param name="VGpu">The vGPU the session is placed on, for its welcome; null where it holds none.</param>
/// <param name="ComputeShares">Where a session on a vGPU gets its turns on the GPU (compute share enforcement); null: shares are not enforced.</param>
/// <param name="AllowCompression">Whether a client may have its bulk chunks travel LZ4-compressed.</param>
/// <param name="ServerStatus">The server's vGPUs and sessions for calls 115 and 116; null where the session cannot see them (a worker).</param>
internal sealed record ServerSessionConfig(
    int[] Devices,
    RemoteDeviceInfo[] DeviceInfos,
    Authentication.ClientAuthenticator Authenticator,
    int ChunkBytes,
    int DriverVersion,
    string Description,
    bool TokenIsWorkerTicket = false,
    IDeviceOutputSource? DeviceOutput = null,
    ModuleCache.IModuleImageCache? ModuleCache = null,
    TimeSpan? HelloTimeout = null,
    TimeSpan? SendTimeout = null,
    SessionVirtualMemoryLimits? VirtualMemory = null,
    SessionLimits? Limits = null,
    VGpuAssignment? VGpu = null,
    ComputeShares.IComputeShareJoiner? ComputeShares = null,
    bool AllowCompression = true,
    IServerStatusSource? ServerStatus = null)
{
    /// <summary>What one session may hold at once.</summary>
    public SessionLimits SessionLimits => Limits ?? SessionLimits.Default;

    /// <summary>
    /// The memory a session may use on a device: its quota, else the device's total. Devices are described with
    /// it (<see cref="WithQuotaApplied"/>), so this is what every view of the device's memory says.
    /// </summary>
    public ulong SessionMemoryOn(int device) =>
        SessionLimits.MemoryQuotaBytes is { } quota ? Math.Min(quota, DeviceInfos[device].TotalMemory) : DeviceInfos[device].TotalMemory;

    /// <summary>The devices as a session sees them: a device's total memory is at most the memory quota.</summary>
    public ServerSessionConfig WithQuotaApplied() =>
        SessionLimits.MemoryQuotaBytes is { } quota
            ? this with { DeviceInfos = [.. DeviceInfos.Select(info => info with { TotalMemory = Math.Min(quota, info.TotalMemory) })] }
            : this;

    /// <summary>
    /// A session's view where admission placed it: every device (this configuration, quota applied), or the one device
    /// it is placed on, with the vGPU's memory as its memory quota there. Called on the configuration before
    /// <see cref="WithQuotaApplied"/>, which it applies with the quota that holds for the session.
    /// </summary>
    public ServerSessionConfig PlacedOn(VGpus.VGpuPlacement placement)
    {
        ArgumentNullException.ThrowIfNull(placement);
        if (placement.Device is not { } device)
        {
            return WithQuotaApplied();
        }
        var placed = this with { Devices = [Devices[device]], DeviceInfos = [DeviceInfos[device]] };
        if (placement.Slice is { } slice)
        {
            placed = placed with { Limits = SessionLimits with { MemoryQuotaBytes = slice.MemoryBytes }, VGpu = slice.ToAssignment() };
        }
        return placed.WithQuotaApplied();
    }

    /// <summary>The virtual memory limits every session of this server has.</summary>
    public SessionVirtualMemoryLimits VirtualMemoryLimits => VirtualMemory ?? SessionVirtualMemoryLimits.Default;

    /// <summary>The optional features this server offers; a session uses those its client asks for too.</summary>
    public ProtocolFeatures SupportedFeatures =>
        ProtocolFeatures.HostFunctions
        | (DeviceOutput is not null ? ProtocolFeatures.DeviceOutput : ProtocolFeatures.None)
        | (ModuleCache is not null ? ProtocolFeatures.ModuleCache : ProtocolFeatures.None)
        | (AllowCompression ? ProtocolFeatures.CompressedChunks | ProtocolFeatures.CompressEveryChunk : ProtocolFeatures.None);

    /// <summary>The features a session uses: those both sides offer (asking for every chunk compressed means nothing without compressed chunks).</summary>
    public ProtocolFeatures Negotiate(ProtocolFeatures offered)
    {
        var agreed = offered & SupportedFeatures;
        return (agreed & ProtocolFeatures.CompressedChunks) != 0 ? agreed : agreed & ~ProtocolFeatures.CompressEveryChunk;
    }
}
