using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: device memory, copies and memsets. Host pointers are local.</summary>
internal static unsafe partial class ClientAbi
{
    public static int Malloc(int device, ulong size, ulong* pointer)
    {
        if (pointer is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.Allocate(size, out var address);
        *pointer = address;
        return ExportGuard.Status(status);
    }

    public static int Free(int device, ulong pointer)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.Free(pointer));
    }

    public static int MemcpyHtod(int device, ulong destination, void* source, ulong size, ulong stream, int async)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        if (client is null)
        {
            return error;
        }
        var status = async != 0
            ? client.CopyHostToDeviceAsync(destination, (nint)source, size, stream)
            : client.CopyHostToDevice(destination, (nint)source, size);
        return ExportGuard.Status(status);
    }

    public static int MemcpyDtoh(int device, void* destination, ulong source, ulong size, ulong stream, int async)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        if (client is null)
        {
            return error;
        }
        var status = async != 0
            ? client.CopyDeviceToHostAsync((nint)destination, source, size, stream)
            : client.CopyDeviceToHost((nint)destination, source, size);
        return ExportGuard.Status(status);
    }

    public static int MemcpyDtod(int device, ulong destination, ulong source, ulong size, ulong stream, int async)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.CopyDeviceToDevice(destination, source, size, stream, async != 0));
    }

    public static int Memcpy2dHtod(int device, ulong destination, ulong destinationPitch, void* source, ulong sourcePitch,
        ulong width, ulong height, ulong stream, int async) =>
        Copy2D(device, MemoryKind.Host, (ulong)source, sourcePitch, MemoryKind.Device, destination, destinationPitch, width, height, stream, async);

    public static int Memcpy2dDtoh(int device, void* destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        ulong width, ulong height, ulong stream, int async) =>
        Copy2D(device, MemoryKind.Device, source, sourcePitch, MemoryKind.Host, (ulong)destination, destinationPitch, width, height, stream, async);

    public static int Memcpy2dDtod(int device, ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        ulong width, ulong height, ulong stream, int async) =>
        Copy2D(device, MemoryKind.Device, source, sourcePitch, MemoryKind.Device, destination, destinationPitch, width, height, stream, async);

    private static int Copy2D(int device, MemoryKind sourceKind, ulong source, ulong sourcePitch, MemoryKind destinationKind,
        ulong destination, ulong destinationPitch, ulong width, ulong height, ulong stream, int async)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.Copy2D(sourceKind, source, sourcePitch, destinationKind, destination, destinationPitch,
                width, height, stream, async != 0));
    }

    public static int Memset(int device, ulong destination, byte value, ulong size, ulong stream, int async)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.Memset(destination, value, 1, size, stream, async != 0));
    }

    public static int Memset2d(int device, ulong destination, ulong pitch, byte value, ulong width, ulong height, ulong stream, int async)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.Memset2D(destination, pitch, value, 1, width, height, stream, async != 0));
    }

    public static int MallocAsync(int device, ulong size, ulong stream, ulong* pointer)
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
        var status = client.AllocateAsync(size, stream, out var address);
        *pointer = address;
        return ExportGuard.Status(status);
    }

    public static int FreeAsync(int device, ulong pointer, ulong stream)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null ? error : ExportGuard.Status(client.FreeAsync(pointer, stream));
    }

    public static int MemsetElements(int device, ulong destination, uint value, int elementBytes, ulong count, ulong stream, int async)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.Memset(destination, value, elementBytes, count, stream, async != 0));
    }

    public static int Memset2dElements(int device, ulong destination, ulong pitch, uint value, int elementBytes, ulong width, ulong height, ulong stream,
        int async)
    {
        var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
        return client is null
            ? error
            : ExportGuard.Status(client.Memset2D(destination, pitch, value, elementBytes, width, height, stream, async != 0));
    }

    public static int MemcpyPeer(int destinationDevice, ulong destination, int sourceDevice, ulong source, ulong size, ulong stream, int async)
    {
        var runtime = ExportGuard.Runtime(out var error);
        if (runtime is null)
        {
            return error;
        }
        var client = runtime.SelectPair(destinationDevice, sourceDevice, out var destinationLocal, out var sourceLocal, out error);
        if (client is null)
        {
            return error;
        }
        if (runtime.SelectForHandle(destinationDevice, stream, out stream, out error) is null)
        {
            return error;
        }
        return ExportGuard.Status(client.CopyPeer(destination, destinationLocal, source, sourceLocal, size, stream, async != 0));
    }
}
