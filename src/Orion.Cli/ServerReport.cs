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
    Orion.Cuda.Protocol.Wire.VGpuAssignment? VGpu = null);

/// <summary>One device as <c>orion smi</c> shows it.</summary>
/// <param name="Name">The device's name.</param>
/// <param name="Uuid">NVML's form, <c>GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>.</param>
/// <param name="MemoryTotal">Bytes of device memory.</param>
/// <param name="MemoryUsed">Bytes this session holds there (never other tenants'), or null when not reported.</param>
/// <param name="UtilizationPercent">The card's utilization, or null when not known.</param>
internal sealed record DeviceReport(string Name, string Uuid, ulong MemoryTotal, ulong? MemoryUsed, int? UtilizationPercent);
