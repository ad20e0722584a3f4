using Orion.Transport;

namespace Orion.Cli;

/// <summary>What <c>orion smi</c> learned from one server: its devices as this session sees them, its description and driver.</summary>
/// <param name="Endpoint">Where the server was reached.</param>
/// <param name="Description">The server's own description (its backend, host).</param>
/// <param name="CudaDriverVersion">The CUDA version its driver implements, e.g. 13000.</param>
/// <param name="DriverVersion">The driver's version text (e.g. 580.159.04), or null when its NVML does not say.</param>
/// <param name="Devices">Its devices in its order.</param>
/// <param name="VGpu">The vGPU the server placed smi's session on (a program's would be placed likewise), or null for none.</param>
internal sealed record ServerReport(
    TransportEndpoint Endpoint,
    string Description,
    int CudaDriverVersion,
    string? DriverVersion,
    IReadOnlyList<DeviceReport> Devices,
    Orion.Cuda.Protocol.Wire.VGpuAssignment? VGpu = null)
{
    /// <summary>The id the server gave the query's own session (0 where not reported).</summary>
    public ulong SessionId { get; init; }

    /// <summary>The server's vGPU table (empty: it divides no device), or null where it does not report one (a worker in process isolation).</summary>
    public IReadOnlyList<ServerVGpuStatus>? VGpus { get; init; }

    /// <summary>How many sessions the server has (the query's own included), or null where not reported.</summary>
    public int? SessionCount { get; init; }

    /// <summary>The sessions the server lets this client see (every one, or only its own), or null where not reported.</summary>
    public IReadOnlyList<ServerSessionStatus>? Sessions { get; init; }
}

/// <summary>One device as <c>orion smi</c> shows it.</summary>
/// <param name="Name">The device's name.</param>
/// <param name="Uuid">NVML's form, <c>GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>.</param>
/// <param name="MemoryTotal">Bytes of device memory.</param>
/// <param name="MemoryUsed">Bytes this session holds there (never other tenants'), or null when not reported.</param>
/// <param name="UtilizationPercent">The card's utilization, or null when not known.</param>
internal sealed record DeviceReport(string Name, string Uuid, ulong MemoryTotal, ulong? MemoryUsed, int? UtilizationPercent);
