using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Sessions;

/// <summary>What every session of one server shares: exposed devices, limits, auth.</summary>
/// <param name="Devices">Backend ordinals of the devices exposed, in the order clients see them.</param>
/// <param name="DeviceInfos">Their descriptions, as sent in the welcome.</param>
/// <param name="AuthToken">The token clients must present; null or empty accepts any.</param>
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
internal sealed record ServerSessionConfig(
    int[] Devices,
    RemoteDeviceInfo[] DeviceInfos,
    string? AuthToken,
    int ChunkBytes,
    int DriverVersion,
    string Description,
    bool TokenIsWorkerTicket = false,
    IDeviceOutputSource? DeviceOutput = null,
    ModuleCache.IModuleImageCache? ModuleCache = null,
    TimeSpan? HelloTimeout = null,
    TimeSpan? SendTimeout = null,
    SessionVirtualMemoryLimits? VirtualMemory = null,
    SessionLimits? Limits = null)
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

    /// <summary>The virtual memory limits every session of this server has.</summary>
    public SessionVirtualMemoryLimits VirtualMemoryLimits => VirtualMemory ?? SessionVirtualMemoryLimits.Default;

    /// <summary>The optional features this server offers; a session uses those its client asks for too.</summary>
    public ProtocolFeatures SupportedFeatures =>
        ProtocolFeatures.HostFunctions
        | (DeviceOutput is not null ? ProtocolFeatures.DeviceOutput : ProtocolFeatures.None)
        | (ModuleCache is not null ? ProtocolFeatures.ModuleCache : ProtocolFeatures.None);
}
