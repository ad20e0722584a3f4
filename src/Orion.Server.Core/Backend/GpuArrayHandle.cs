namespace Orion.Server.Core.Backend;

/// <summary>A CUDA array of one context (the driver's <c>CUarray</c>, or the emulated device's number).</summary>
public readonly record struct GpuArrayHandle(nint Value);
