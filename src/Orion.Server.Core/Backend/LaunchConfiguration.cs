
namespace Orion.Server.Core.Backend;

/// <summary>The launch geometry of one kernel launch (<c>cuLaunchKernel</c>).</summary>
public readonly record struct LaunchConfiguration(Dim3 Grid, Dim3 Block, uint SharedMemoryBytes);
