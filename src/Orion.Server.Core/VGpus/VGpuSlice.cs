using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.VGpus;

/// <summary>One vGPU as the server resolved it against its device.</summary>
/// <param name="Device">The server's device number (the device's place among those it exposes).</param>
/// <param name="Index">The vGPU's number on that device, in configuration order.</param>
/// <param name="MemoryBytes">The memory quota of a session on it, and the total memory that session sees.</param>
/// <param name="SharePercent">The compute share it reserves (enforced by turns on the GPU, <see cref="ComputeShares.GpuTimeScheduler"/>).</param>
internal sealed record VGpuSlice(int Device, int Index, ulong MemoryBytes, int SharePercent)
{
    /// <summary>What a session's welcome reports of it.</summary>
    public VGpuAssignment ToAssignment() => new(Device, Index, MemoryBytes, SharePercent);
}
