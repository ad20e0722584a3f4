namespace Orion.Cuda.Protocol;

/// <summary>
/// The <c>cuLaunchKernelEx</c> attributes a launch through Orion may carry (wire call 52, <c>LaunchWithAttributes</c>):
/// a thread-block cluster shape (all zero for none) and its scheduling policy preference (0 for the default), the
/// on/off attributes in <see cref="Switches"/>, and a priority when <see cref="LaunchAttributeSwitches.Priority"/> is set.
/// Attributes that carry handles or pointers (programmatic events, completion events, updatable nodes) are not among
/// them.
/// </summary>
public readonly record struct LaunchAttributes(Dim3 Cluster, uint ClusterSchedulingPolicy, LaunchAttributeSwitches Switches, int Priority);

/// <summary>The on/off launch attributes of <see cref="LaunchAttributes"/>, one bit each.</summary>
[Flags]
public enum LaunchAttributeSwitches : uint
{
    None = 0,

    /// <summary><c>CU_LAUNCH_ATTRIBUTE_COOPERATIVE</c>: every block resident at once.</summary>
    Cooperative = 1,

    /// <summary><c>CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION</c>: the launch may overlap the previous kernel
    /// of its stream (programmatic dependent launch).</summary>
    ProgrammaticStreamSerialization = 2,

    /// <summary><c>CU_LAUNCH_ATTRIBUTE_PRIORITY</c> is given.</summary>
    Priority = 4,

    /// <summary>Every bit a peer may send.</summary>
    All = Cooperative | ProgrammaticStreamSerialization | Priority,
}
