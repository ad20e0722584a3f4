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
}
