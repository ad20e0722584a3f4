using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Calls;

/// <summary>Launches that differ from <see cref="IModuleCalls.Launch"/> in how the grid runs.</summary>
[RemoteCallArea("Launches")]
public interface ILaunchCalls
{
    /// <summary>
    /// <c>cuLaunchCooperativeKernel</c> with the parameters packed by the function's layout (the server unpacks
    /// them into the argument pointers the driver takes). Every block must be resident at once; a grid too large
    /// for that fails with <c>CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE</c>, which latches as any launch failure.
    /// </summary>
    [RemoteCall(51, CallMode.Asynchronous)]
    CudaStatus LaunchCooperative([Handle(HandleKind.Function)] ulong functionHandle, [Handle(HandleKind.Stream)] ulong stream, Dim3 grid, Dim3 block,
        uint sharedMemoryBytes, [MaxBytes(ProtocolLimits.MaxKernelParameterBytes)] ReadOnlySpan<byte> parameters);

    /// <summary>
    /// <c>cuLaunchKernelEx</c> with launch attributes, the parameters packed by the function's layout. The attributes
    /// Orion carries are typed fields: <paramref name="cluster"/> (<c>CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION</c>; all zero
    /// for none), <paramref name="clusterSchedulingPolicy"/> (<c>..._CLUSTER_SCHEDULING_POLICY_PREFERENCE</c>, 0 for the
    /// default), <paramref name="priority"/> (<c>..._PRIORITY</c>, used when <paramref name="flags"/> has
    /// <see cref="LaunchAttributeSwitches.Priority"/>), and the <see cref="LaunchAttributeSwitches"/> bits for the cooperative and
    /// programmatic-stream-serialization attributes. Attributes that carry handles or pointers are not carried.
    /// </summary>
    [RemoteCall(52, CallMode.Asynchronous)]
    CudaStatus LaunchWithAttributes([Handle(HandleKind.Function)] ulong functionHandle, [Handle(HandleKind.Stream)] ulong stream, Dim3 grid, Dim3 block,
        uint sharedMemoryBytes, Dim3 cluster, uint clusterSchedulingPolicy, uint flags, int priority,
        [MaxBytes(ProtocolLimits.MaxKernelParameterBytes)] ReadOnlySpan<byte> parameters);
}
