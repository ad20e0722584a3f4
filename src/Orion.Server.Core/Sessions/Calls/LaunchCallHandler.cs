using Orion.Cuda.Protocol.Calls;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions.Calls;

/// <summary>The launches area: cooperative launches and launches with attributes of the session's functions, checked as plain launches are.</summary>
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

    public CudaStatus LaunchWithAttributes(ulong functionHandle, ulong stream, Dim3 grid, Dim3 block, uint sharedMemoryBytes, Dim3 cluster,
        uint clusterSchedulingPolicy, uint flags, int priority, ReadOnlySpan<byte> parameters)
    {
        if (!objects.Tables.TryGetFunction(functionHandle, out var function))
        {
            return CudaStatus.InvalidHandle;
        }
        // A cluster is all zero (none) or a whole shape; the scheduling policies are 0-2 (CUclusterSchedulingPolicy).
        var partialCluster = cluster.Volume == 0 && (cluster.X | cluster.Y | cluster.Z) != 0;
        if (parameters.Length != function.ParameterBytes || partialCluster || clusterSchedulingPolicy > 2
            || (flags & ~(uint)LaunchAttributeSwitches.All) != 0)
        {
            return CudaStatus.InvalidValue;
        }
        var attributes = new LaunchAttributes(cluster, clusterSchedulingPolicy, (LaunchAttributeSwitches)flags, priority);
        return objects.ResolveStream(stream, function.Device, out var gpuStream)
            ?? objects.ContextOf(function.Device).LaunchWithAttributes(function.Function, new LaunchConfiguration(grid, block, sharedMemoryBytes), attributes,
                gpuStream, parameters);
    }
}
