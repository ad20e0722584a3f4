namespace Orion.Cuda.Remote.Client;

// Cooperative launches (cuLaunchCooperativeKernel): packed as plain launches are; a grid too large to be
// resident at once fails with CooperativeLaunchTooLarge at the next synchronizing call.
public sealed partial class RemoteCudaClient
{
    /// <summary>A cooperative launch with an already packed parameter buffer (laid out by <see cref="GetParameterLayout"/>).</summary>
    public CudaStatus LaunchCooperative(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ulong stream, ReadOnlySpan<byte> packedParameters)
    {
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        var size = PackedSize(layout);
        if (packedParameters.Length < size)
        {
            return CudaStatus.InvalidValue;
        }
        return Remote.LaunchCooperative(function, stream, grid, block, sharedMemoryBytes, packedParameters[..size]);
    }

    /// <summary>A cooperative launch with CUDA's <c>void** args</c>, packed by the function's layout.</summary>
    public unsafe CudaStatus LaunchCooperative(ulong function, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ulong stream, void** arguments)
    {
        if (!_layouts.TryGetValue(function, out var layout))
        {
            return CudaStatus.InvalidHandle;
        }
        var status = PackedArguments.Pack(layout, arguments, stackalloc byte[PackedArguments.StackBytes], out var packed);
        using (packed)
        {
            return status != CudaStatus.Success ? status : Remote.LaunchCooperative(function, stream, grid, block, sharedMemoryBytes, packed.Bytes);
        }
    }
}
