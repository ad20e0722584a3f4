using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: launches with cuLaunchKernelEx attributes, as the plain ones in ClientAbi.Module.cs.</summary>
internal static unsafe partial class ClientAbi
{
    public static int LaunchKernelEx(int device, ulong function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, ulong stream, uint clusterX, uint clusterY, uint clusterZ, uint clusterPolicy, uint flags, int priority, void** args)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.LaunchWithAttributes(function, new Dim3(gridX, gridY, gridZ), new Dim3(blockX, blockY, blockZ), sharedBytes,
                new LaunchAttributes(new Dim3(clusterX, clusterY, clusterZ), clusterPolicy, (LaunchAttributeSwitches)flags, priority), stream, args));
    }

    public static int LaunchKernelExPacked(int device, ulong function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, ulong stream, uint clusterX, uint clusterY, uint clusterZ, uint clusterPolicy, uint flags, int priority, void* parameters,
        ulong size)
    {
        if ((parameters is null && size > 0) || size > ProtocolLimits.MaxKernelParameterBytes)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.LaunchWithAttributes(function, new Dim3(gridX, gridY, gridZ), new Dim3(blockX, blockY, blockZ), sharedBytes,
                new LaunchAttributes(new Dim3(clusterX, clusterY, clusterZ), clusterPolicy, (LaunchAttributeSwitches)flags, priority), stream,
                new ReadOnlySpan<byte>(parameters, (int)size)));
    }
}
