namespace Orion.Server.Core.Backend;

/// <summary>Launches with <c>cuLaunchKernelEx</c> attributes (clusters, cooperative, priority, ...).</summary>
public partial interface IGpuContext
{
    /// <summary>
    /// <c>cuLaunchKernelEx</c> with <paramref name="attributes"/>, <paramref name="parameters"/> packed as for
    /// <see cref="Launch"/>. A cluster shape that does not divide the grid or is too large fails with
    /// <see cref="CudaStatus.InvalidClusterSize"/> (or what the driver answers); a cooperative grid too large to
    /// be resident at once with <see cref="CudaStatus.CooperativeLaunchTooLarge"/>.
    /// </summary>
    CudaStatus LaunchWithAttributes(GpuFunctionHandle kernel, in LaunchConfiguration configuration, in LaunchAttributes attributes, GpuStreamHandle stream,
        ReadOnlySpan<byte> parameters);
}
