using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote;
using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: stream capture and graphs. Graph, node and executable-graph handles belong to the device's session.</summary>
internal static unsafe partial class ClientAbi
{
    public static int StreamBeginCapture(int device, ulong stream, ulong* graph)
    {
        if (graph is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *graph = 0;
        var client = StreamOfDevice(device, stream, out var local, out var error);
        if (client is null)
        {
            return error;
        }
        var status = client.BeginCapture(local, out var handle);
        *graph = handle;
        return ExportGuard.Status(status);
    }

    public static int StreamEndCapture(int device, ulong stream, ulong* graph)
    {
        if (graph is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *graph = 0;
        var client = StreamOfDevice(device, stream, out var local, out var error);
        if (client is null)
        {
            return error;
        }
        var status = client.EndCapture(local, out var handle);
        *graph = handle;
        return ExportGuard.Status(status);
    }

    public static int StreamGetCaptureInfo(int device, ulong stream, int* status, ulong* id, ulong* graph)
    {
        if (status is null || id is null || graph is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        (*status, *id, *graph) = (0, 0, 0);
        var client = StreamOfDevice(device, stream, out var local, out var error);
        if (client is null)
        {
            return error;
        }
        var result = client.GetCaptureInfo(local, out var captureStatus, out var captureId, out var handle);
        (*status, *id, *graph) = (captureStatus, captureId, handle);
        return ExportGuard.Status(result);
    }

    public static int StreamGetCaptureDependencies(int device, ulong stream, ulong* nodes, ulong capacity, ulong* count)
    {
        if (count is null || (capacity > 0 && nodes is null))
        {
            return CudaErrorCodes.InvalidValue;
        }
        *count = 0;
        var client = StreamOfDevice(device, stream, out var local, out var error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetCaptureDependencies(local, out var dependencies);
        *count = (ulong)dependencies.Length;
        dependencies.AsSpan(0, (int)Math.Min(capacity, (ulong)dependencies.Length)).CopyTo(new Span<ulong>(nodes, (int)Math.Min(capacity, (ulong)dependencies.Length)));
        return ExportGuard.Status(status);
    }

    public static int GraphCreate(int device, uint flags, ulong* graph)
    {
        if (graph is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *graph = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.CreateGraph(flags, out var handle);
        *graph = handle;
        return ExportGuard.Status(status);
    }

    public static int GraphDestroy(int device, ulong graph)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.DestroyGraph(graph));
    }

    public static int GraphGetNodes(int device, ulong graph, ulong* nodes, ulong capacity, ulong* count)
    {
        if (count is null || (capacity > 0 && nodes is null))
        {
            return CudaErrorCodes.InvalidValue;
        }
        *count = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        // In pages of what one reply carries, until the caller's array or the graph ends.
        ulong copied = 0;
        while (true)
        {
            var page = (uint)Math.Min(capacity - copied, (ulong)ProtocolLimits.MaxGraphNodesPerReply);
            var status = client.GetGraphNodes(graph, (uint)copied, page, out var total, out var listed);
            if (status != CudaStatus.Success)
            {
                return ExportGuard.Status(status);
            }
            *count = total;
            listed.CopyTo(new Span<ulong>(nodes + copied, listed.Length));
            copied += (ulong)listed.Length;
            if (listed.Length == 0 || copied >= capacity || copied >= total)
            {
                return CudaErrorCodes.Success;
            }
        }
    }

    public static int GraphAddKernelNode(int device, ulong graph, ulong* dependencies, ulong dependencyCount, ulong function, uint gridX, uint gridY,
        uint gridZ, uint blockX, uint blockY, uint blockZ, uint sharedBytes, void** args, void* packed, ulong packedSize, ulong* node)
    {
        if (node is null || Dependencies(dependencies, dependencyCount) is not { } after || BadPacked(args, packed, packedSize))
        {
            return CudaErrorCodes.InvalidValue;
        }
        *node = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var grid = new Dim3(gridX, gridY, gridZ);
        var block = new Dim3(blockX, blockY, blockZ);
        ulong handle;
        var status = args is not null
            ? client.AddKernelNode(graph, after, function, grid, block, sharedBytes, args, out handle)
            : client.AddKernelNode(graph, after, function, grid, block, sharedBytes, new ReadOnlySpan<byte>(packed, (int)packedSize), out handle);
        *node = handle;
        return ExportGuard.Status(status);
    }

    public static int GraphAddMemsetNode(int device, ulong graph, ulong* dependencies, ulong dependencyCount, ulong dst, ulong pitch, uint value,
        int elementBytes, ulong width, ulong height, ulong* node)
    {
        if (node is null || Dependencies(dependencies, dependencyCount) is not { } after)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *node = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.AddMemsetNode(graph, after, dst, pitch, value, elementBytes, width, height, out var handle);
        *node = handle;
        return ExportGuard.Status(status);
    }

    public static int GraphAddMemcpyNode(int device, ulong graph, ulong* dependencies, ulong dependencyCount, ulong dst, ulong dstPitch, ulong src,
        ulong srcPitch, ulong width, ulong height, ulong* node)
    {
        if (node is null || Dependencies(dependencies, dependencyCount) is not { } after)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *node = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.AddMemcpyNode(graph, after, dst, dstPitch, src, srcPitch, width, height, out var handle);
        *node = handle;
        return ExportGuard.Status(status);
    }

    public static int GraphAddEmptyNode(int device, ulong graph, ulong* dependencies, ulong dependencyCount, ulong* node)
    {
        if (node is null || Dependencies(dependencies, dependencyCount) is not { } after)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *node = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.AddEmptyNode(graph, after, out var handle);
        *node = handle;
        return ExportGuard.Status(status);
    }

    public static int GraphAddDependencies(int device, ulong graph, ulong* from, ulong* to, ulong count)
    {
        if (Dependencies(from, count) is not { } before || Dependencies(to, count) is not { } after)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.AddGraphDependencies(graph, before, after));
    }

    public static int GraphNodeGetType(int device, ulong node, int* type)
    {
        if (type is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetGraphNodeType(node, out var value);
        *type = value;
        return ExportGuard.Status(status);
    }

    public static int GraphKernelNodeSetParams(int device, ulong node, ulong function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY,
        uint blockZ, uint sharedBytes, void** args, void* packed, ulong packedSize)
    {
        if (BadPacked(args, packed, packedSize))
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var grid = new Dim3(gridX, gridY, gridZ);
        var block = new Dim3(blockX, blockY, blockZ);
        return ExportGuard.Status(args is not null
            ? client.SetKernelNodeParams(node, function, grid, block, sharedBytes, args)
            : client.SetKernelNodeParams(node, function, grid, block, sharedBytes, new ReadOnlySpan<byte>(packed, (int)packedSize)));
    }

    public static int GraphInstantiate(int device, ulong graph, ulong flags, ulong* exec)
    {
        if (exec is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *exec = 0;
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.InstantiateGraph(graph, flags, out var handle);
        *exec = handle;
        return ExportGuard.Status(status);
    }

    public static int GraphLaunch(int device, ulong exec, ulong stream)
    {
        var client = StreamOfDevice(device, stream, out var local, out var error);
        return client is null ? error : ExportGuard.Status(client.LaunchGraph(exec, local));
    }

    public static int GraphUpload(int device, ulong exec, ulong stream)
    {
        var client = StreamOfDevice(device, stream, out var local, out var error);
        return client is null ? error : ExportGuard.Status(client.UploadGraph(exec, local));
    }

    public static int GraphExecDestroy(int device, ulong exec)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.DestroyGraphExec(exec));
    }

    public static int GraphExecKernelNodeSetParams(int device, ulong exec, ulong node, ulong function, uint gridX, uint gridY, uint gridZ, uint blockX,
        uint blockY, uint blockZ, uint sharedBytes, void** args, void* packed, ulong packedSize)
    {
        if (BadPacked(args, packed, packedSize))
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var grid = new Dim3(gridX, gridY, gridZ);
        var block = new Dim3(blockX, blockY, blockZ);
        return ExportGuard.Status(args is not null
            ? client.SetGraphExecKernelNodeParams(exec, node, function, grid, block, sharedBytes, args)
            : client.SetGraphExecKernelNodeParams(exec, node, function, grid, block, sharedBytes, new ReadOnlySpan<byte>(packed, (int)packedSize)));
    }

    /// <summary>
    /// The device's session when <paramref name="stream"/> belongs to it too (a graph and the stream it runs on
    /// must share a server), with the stream's local handle; null with the error otherwise.
    /// </summary>
    private static RemoteCudaClient? StreamOfDevice(int device, ulong stream, out ulong local, out int error)
    {
        local = 0;
        var runtime = ExportGuard.Runtime(out error);
        var client = runtime?.Select(device, out error);
        var streamClient = client is null ? null : runtime!.SelectForHandle(device, stream, out local, out error);
        if (client is null || streamClient is null)
        {
            return null;
        }
        if (!ReferenceEquals(client, streamClient))
        {
            NativeLog.Write(NativeLogLevel.Warn, "a graph and a stream of two different Orion servers cannot be used together");
            error = CudaErrorCodes.NotSupported;
            return null;
        }
        return client;
    }

    /// <summary>The caller's node handles, or null when the array is missing or longer than a node may depend on.</summary>
    private static ulong[]? Dependencies(ulong* handles, ulong count) =>
        count > (ulong)ProtocolLimits.MaxGraphNodeDependencies || (count > 0 && handles is null)
            ? null
            : new ReadOnlySpan<ulong>(handles, (int)count).ToArray();

    /// <summary>A packed buffer is used only without argument pointers, and must exist when it has a size within the limit.</summary>
    private static bool BadPacked(void** args, void* packed, ulong packedSize) =>
        args is null && ((packed is null && packedSize > 0) || packedSize > ProtocolLimits.MaxKernelParameterBytes);
}
