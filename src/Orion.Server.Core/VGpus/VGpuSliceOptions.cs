namespace Orion.Server.Core.VGpus;

/// <summary>One vGPU of chosen size.</summary>
/// <param name="MemoryBytes">Device memory a session on it may hold (its memory quota, and the total memory it sees).</param>
/// <param name="SharePercent">The compute share it reserves, percent of the GPU (1..100; the shares of a device's vGPUs add
/// up to at most 100). Null: its part of the device's memory (with oversubscription: of the memory promised), rounded down,
/// at least 1. Enforced by turns on the GPU (<see cref="OrionServerOptions.ComputeQuantum"/>).</param>
public sealed record VGpuSliceOptions(ulong MemoryBytes, int? SharePercent = null);
