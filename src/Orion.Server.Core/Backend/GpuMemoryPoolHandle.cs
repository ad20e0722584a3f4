namespace Orion.Server.Core.Backend;

/// <summary>A memory pool a context created (for the CUDA driver backend, the driver's <c>CUmemoryPool</c>).</summary>
public readonly record struct GpuMemoryPoolHandle(nint Value);
