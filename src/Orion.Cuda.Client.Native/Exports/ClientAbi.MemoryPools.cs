using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: stream-ordered memory pools. Pool handles are the session's, used with the pool's device.</summary>
internal static unsafe partial class ClientAbi
{
    public static int MempoolCreate(int device, int allocationType, int handleTypes, ulong maxBytes, uint usage, ulong* pool)
    {
        if (pool is null || usage > ushort.MaxValue)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.CreateMemoryPool(maxBytes, (ushort)usage, out var handle, allocationType, handleTypes);
        *pool = handle;
        return ExportGuard.Status(status);
    }

    public static int MempoolDestroy(int device, ulong pool)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.DestroyMemoryPool(pool));
    }

    public static int MempoolDefault(int device, ulong* pool)
    {
        if (pool is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetDefaultMemoryPool(out var handle);
        *pool = handle;
        return ExportGuard.Status(status);
    }

    public static int MempoolSetCurrent(int device, ulong pool)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.SetCurrentMemoryPool(pool));
    }

    public static int MempoolSetAttribute(int device, ulong pool, int attribute, ulong value)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.SetMemoryPoolAttribute(pool, attribute, value));
    }

    public static int MempoolGetAttribute(int device, ulong pool, int attribute, ulong* value)
    {
        if (value is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetMemoryPoolAttribute(pool, attribute, out var result);
        *value = result;
        return ExportGuard.Status(status);
    }

    public static int MempoolTrim(int device, ulong pool, ulong minBytesToKeep)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.TrimMemoryPool(pool, minBytesToKeep));
    }

    public static int MallocFromPoolAsync(int device, ulong size, ulong pool, ulong stream, ulong* pointer)
    {
        if (pointer is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.AllocateFromPoolAsync(size, pool, stream, out var address);
        *pointer = address;
        return ExportGuard.Status(status);
    }
}
