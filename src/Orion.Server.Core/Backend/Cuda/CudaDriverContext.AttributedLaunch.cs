using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Launches with attributes, through <c>cuLaunchKernelEx</c>: the attribute list is built from the typed set the
/// wire carries, and the packed parameters go as <c>extra</c>, as for a plain launch.
/// </summary>
internal sealed unsafe partial class CudaDriverContext
{
    /// <summary>Cluster shape, scheduling policy, cooperative, programmatic serialization, priority.</summary>
    private const int MaxLaunchAttributes = 5;

    public CudaStatus LaunchWithAttributes(GpuFunctionHandle kernel, in LaunchConfiguration configuration, in LaunchAttributes attributes, GpuStreamHandle stream,
        ReadOnlySpan<byte> parameters)
    {
        CuLaunchAttribute* list = stackalloc CuLaunchAttribute[MaxLaunchAttributes];
        uint count = 0;
        if (attributes.Cluster.Volume != 0)
        {
            list[count++] = new CuLaunchAttribute
            {
                Id = CuLaunchAttribute.ClusterDimension, Value0 = attributes.Cluster.X, Value1 = attributes.Cluster.Y, Value2 = attributes.Cluster.Z,
            };
        }

        if (attributes.ClusterSchedulingPolicy != 0)
        {
            list[count++] = new CuLaunchAttribute { Id = CuLaunchAttribute.ClusterSchedulingPolicyPreference, Value0 = attributes.ClusterSchedulingPolicy };
        }

        if (attributes.Switches.HasFlag(LaunchAttributeSwitches.Cooperative))
        {
            list[count++] = new CuLaunchAttribute { Id = CuLaunchAttribute.Cooperative, Value0 = 1 };
        }

        if (attributes.Switches.HasFlag(LaunchAttributeSwitches.ProgrammaticStreamSerialization))
        {
            list[count++] = new CuLaunchAttribute { Id = CuLaunchAttribute.ProgrammaticStreamSerialization, Value0 = 1 };
        }

        if (attributes.Switches.HasFlag(LaunchAttributeSwitches.Priority))
        {
            list[count++] = new CuLaunchAttribute { Id = CuLaunchAttribute.Priority, Value0 = unchecked((uint)attributes.Priority) };
        }

        var config = new CuLaunchConfig { Attributes = count == 0 ? null : list, AttributeCount = count };
        return LaunchPacked(kernel, configuration, stream, parameters, &config);
    }
}
