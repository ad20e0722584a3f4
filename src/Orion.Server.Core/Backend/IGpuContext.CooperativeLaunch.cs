namespace Orion.Server.Core.Backend;

/// <summary>Cooperative launches: every block of the grid resident at once, so that the grid may synchronize.</summary>
public partial interface IGpuContext
{
    /// <summary>
    /// <c>cuLaunchCooperativeKernel</c>, with <paramref name="parameters"/> packed as for <see cref="Launch"/>.
    /// A grid with more blocks than the device can hold at once fails with
    /// <see cref="CudaStatus.CooperativeLaunchTooLarge"/>.
    /// </summary>
    CudaStatus LaunchCooperative(GpuFunctionHandle kernel, in LaunchConfiguration configuration, GpuStreamHandle stream, ReadOnlySpan<byte> parameters);
}
