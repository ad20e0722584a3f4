namespace Orion.Cuda.Remote.Client;

// Launches with cuLaunchKernelEx attributes (clusters, cooperative, programmatic serialization, priority): packed as
// plain launches are; a failure the attributes cause (a cluster that does not divide the grid, a cooperative grid
// too large) surfaces at the next synchronizing call.
public sealed partial class RemoteCudaClient
{
    /// <summary>A launch with <paramref name="attributes"/> and an already packed parameter buffer.</summary>
    public CudaStatus LaunchWithAttributes(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, in LaunchAttributes attributes, ulong stream,
        ReadOnlySpan<byte> packedParameters)
    {
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        var size = PackedSize(layout);
        return packedParameters.Length < size
            ? CudaStatus.InvalidValue
            : Remote.LaunchWithAttributes(function, stream, grid, block, sharedMemoryBytes, attributes.Cluster, attributes.ClusterSchedulingPolicy,
                (uint)attributes.Switches, attributes.Priority, packedParameters[..size]);
    }

    /// <summary>A launch with <paramref name="attributes"/> and CUDA's <c>void** args</c>, packed by the function's layout.</summary>
    public unsafe CudaStatus LaunchWithAttributes(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, in LaunchAttributes attributes, ulong stream,
        void** arguments)
    {
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = PackedArguments.Pack(layout, arguments, stackalloc byte[PackedArguments.StackBytes], out var packed);
        using (packed)
        {
            return status != CudaStatus.Success
                ? status
                : Remote.LaunchWithAttributes(function, stream, grid, block, sharedMemoryBytes, attributes.Cluster, attributes.ClusterSchedulingPolicy,
                    (uint)attributes.Switches, attributes.Priority, packed.Bytes);
        }
    }
}
