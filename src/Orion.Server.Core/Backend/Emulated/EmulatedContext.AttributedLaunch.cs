namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// Launches with attributes on the emulated device. A cluster shape must divide the grid and hold at most 8 blocks
/// (Hopper's portable limit); a cooperative one must fit the device as <see cref="LaunchCooperative"/> checks.
/// Priority, the cluster scheduling preference and programmatic serialization change only when work runs, and the
/// emulated device runs each launch to completion in order, so they need nothing more.
/// </summary>
internal sealed partial class EmulatedContext
{
    public CudaStatus LaunchWithAttributes(GpuFunctionHandle kernel, in LaunchConfiguration configuration, in LaunchAttributes attributes, GpuStreamHandle stream,
        ReadOnlySpan<byte> parameters)
    {
        var cluster = attributes.Cluster;
        var grid = configuration.Grid;
        if (cluster.Volume != 0 && (cluster.Volume > 8 || grid.X % cluster.X != 0 || grid.Y % cluster.Y != 0 || grid.Z % cluster.Z != 0))
        {
            return Check() is not CudaStatus.Success and var failed ? failed : CudaStatus.InvalidClusterSize;
        }
        return attributes.Switches.HasFlag(LaunchAttributeSwitches.Cooperative)
            ? LaunchCooperative(kernel, configuration, stream, parameters)
            : Launch(kernel, configuration, stream, parameters);
    }
}
