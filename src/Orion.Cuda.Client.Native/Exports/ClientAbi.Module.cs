using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: modules, functions, occupancy and launch.</summary>
internal static unsafe partial class ClientAbi
{
    /// <summary>The stub never sends more (it checks the fat binary header against the same bound).</summary>
    private const ulong MaxImageBytes = 1UL << 30;

    /// <summary>Longest kernel or variable name accepted (mangled C++ names can be long).</summary>
    private const int MaxNameBytes = 64 * 1024;

    private const int MaxFunctionAttributeCount = 64;

    public static int ModuleLoad(int device, void* image, ulong imageSize, ulong* module)
    {
        if (image is null || module is null || imageSize == 0 || imageSize > MaxImageBytes)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.LoadModule((nint)image, imageSize, out var handle);
        *module = handle;
        return ExportGuard.Status(status);
    }

    public static int ModuleUnload(int device, ulong module)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.UnloadModule(module));
    }

    public static int ModuleFunctionNames(int device, ulong module, byte* names, ulong capacity, ulong* needed)
    {
        if (needed is null || (names is null && capacity > 0))
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.ListFunctionNames(module, out var list);
        if (status != CudaStatus.Success)
        {
            return ExportGuard.Status(status);
        }
        var bytes = System.Text.Encoding.UTF8.GetByteCount(list);
        *needed = (ulong)bytes + 1;
        if (capacity < *needed)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var written = System.Text.Encoding.UTF8.GetBytes(list, new Span<byte>(names, bytes));
        names[written] = 0;
        return CudaErrorCodes.Success;
    }

    public static int ModuleGetFunction(int device, ulong module, byte* name, ulong* function)
    {
        var text = ReadName(name);
        if (text is null || function is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetFunction(module, text, out var handle);
        *function = handle;
        return ExportGuard.Status(status);
    }

    public static int ModuleGetGlobal(int device, ulong module, byte* name, ulong* pointer, ulong* size)
    {
        var text = ReadName(name);
        if (text is null || pointer is null || size is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetGlobal(module, text, out var address, out var bytes);
        *pointer = address;
        *size = bytes;
        return ExportGuard.Status(status);
    }

    public static int FunctionGetAttributes(int device, ulong function, int count, int* attributes, int* values)
    {
        if (count < 0 || count > MaxFunctionAttributeCount || (count > 0 && (attributes is null || values is null)))
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        for (var i = 0; i < count; i++)
        {
            var status = client.GetFunctionAttribute(function, attributes[i], out values[i]);
            if (status != CudaStatus.Success)
            {
                return ExportGuard.Status(status);
            }
        }
        return CudaErrorCodes.Success;
    }

    public static int FunctionSetAttribute(int device, ulong function, int attribute, int value)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.SetFunctionAttribute(function, attribute, value));
    }

    public static int FunctionSetCacheConfig(int device, ulong function, int config)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.SetFunctionCacheConfig(function, config));
    }

    public static int OccupancyAvailableDynamicShared(int device, ulong function, int blocks, int blockSize, ulong* bytes)
    {
        if (bytes is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetAvailableDynamicSharedMemory(function, blocks, blockSize, out var available);
        *bytes = available;
        return ExportGuard.Status(status);
    }

    public static int OccupancyMaxActiveBlocks(int device, ulong function, int blockSize, ulong dynamicSharedBytes, uint flags, int* blocks)
    {
        if (blocks is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetMaxActiveBlocksPerMultiprocessor(function, blockSize, dynamicSharedBytes, flags, out var result);
        *blocks = result;
        return ExportGuard.Status(status);
    }

    public static int OccupancyMaxActiveClusters(int device, ulong function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, uint clusterX, uint clusterY, uint clusterZ, int* clusters)
    {
        if (clusters is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetMaxActiveClusters(function, new Dim3(gridX, gridY, gridZ), new Dim3(blockX, blockY, blockZ), sharedBytes,
            new Dim3(clusterX, clusterY, clusterZ), out var result);
        *clusters = result;
        return ExportGuard.Status(status);
    }

    public static int LaunchKernel(int device, ulong function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, ulong stream, void** args)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.Launch(function, new Dim3(gridX, gridY, gridZ), new Dim3(blockX, blockY, blockZ), sharedBytes, stream, args));
    }

    public static int LaunchKernelPacked(int device, ulong function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, ulong stream, void* parameters, ulong size)
    {
        if ((parameters is null && size > 0) || size > ProtocolLimits.MaxKernelParameterBytes)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.Launch(function, new Dim3(gridX, gridY, gridZ), new Dim3(blockX, blockY, blockZ), sharedBytes, stream,
                new ReadOnlySpan<byte>(parameters, (int)size)));
    }

    /// <summary>A NUL-terminated UTF-8 name, or null when absent, empty or longer than the limit.</summary>
    private static string? ReadName(byte* name)
    {
        if (name is null)
        {
            return null;
        }
        // Byte by byte: a vectorised search could read past the terminator into unmapped memory.
        var length = 0;
        while (length < MaxNameBytes && name[length] != 0)
        {
            length++;
        }
        return length == 0 || length == MaxNameBytes ? null : System.Text.Encoding.UTF8.GetString(name, length);
    }
}
