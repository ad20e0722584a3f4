namespace Orion.Server.Core.VGpus;

/// <summary>One vGPU at a moment (<see cref="OrionServer.VGpus"/>): what it is and which session holds it.</summary>
/// <param name="Device">The server's device number (its place among the devices it exposes).</param>
/// <param name="Slice">The vGPU's number on that device.</param>
/// <param name="MemoryBytes">Its memory quota.</param>
/// <param name="SharePercent">Its compute share (enforced by turns on the GPU).</param>
/// <param name="SessionId">The session that holds it (in process isolation, the id its worker reports), or null when it is free.</param>
public sealed record VGpuSnapshot(int Device, int Slice, ulong MemoryBytes, int SharePercent, ulong? SessionId);
