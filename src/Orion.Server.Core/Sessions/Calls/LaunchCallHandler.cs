using Orion.Cuda.Protocol.Calls;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>The launches area: cooperative launches of the session's functions, checked as plain launches are.</summary>
internal sealed class LaunchCallHandler(SessionObjects objects) : ILaunchCalls
{
    public CudaStatus LaunchCooperative(ulong functionHandle, ulong stream, Dim3 grid, Dim3 block, uint sharedMemoryBytes, ReadOnlySpan<byte> parameters)
    {
        if (!objects.Tables.TryGetFunction(functionHandle, out var function))
        {
            return CudaStatus.InvalidHandle;
        }
        if (parameters.Length != function.ParameterBytes)
        {
            return CudaStatus.InvalidValue;
        }
        return objects.ResolveStream(stream, function.Device, out var gpuStream)
            ?? objects.ContextOf(function.Device).LaunchCooperative(function.Function, new LaunchConfiguration(grid, block, sharedMemoryBytes), gpuStream, parameters);
    }
}
