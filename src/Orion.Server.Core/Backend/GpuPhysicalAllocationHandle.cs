namespace Orion.Server.Core.Backend;

/// <summary>A physical allocation a context created (for the CUDA driver backend, the driver's <c>CUmemGenericAllocationHandle</c>).</summary>
public readonly record struct GpuPhysicalAllocationHandle(ulong Value);
