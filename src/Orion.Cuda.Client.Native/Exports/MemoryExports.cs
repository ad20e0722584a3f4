using System.Runtime.InteropServices;
using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: device memory, copies and memsets. Host pointers are local.</summary>
internal static unsafe class MemoryExports
{
    [UnmanagedCallersOnly(EntryPoint = "orion_malloc")]
    public static int Malloc(int device, ulong size, ulong* pointer)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_malloc");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_free")]
    public static int Free(int device, ulong pointer)
    {
        try
        {
            var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
            return client is null ? error : ExportGuard.Status(client.Free(pointer));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_free");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_memcpy_htod")]
    public static int CopyHostToDevice(int device, ulong destination, void* source, ulong size, ulong stream, int async)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_memcpy_htod");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_memcpy_dtoh")]
    public static int CopyDeviceToHost(int device, void* destination, ulong source, ulong size, ulong stream, int async)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_memcpy_dtoh");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_memcpy_dtod")]
    public static int CopyDeviceToDevice(int device, ulong destination, ulong source, ulong size, ulong stream, int async)
    {
        try
        {
            var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
            return client is null
                ? error
                : ExportGuard.Status(client.CopyDeviceToDevice(destination, source, size, stream, async != 0));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_memcpy_dtod");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_memcpy_2d_htod")]
    public static int Copy2DHostToDevice(int device, ulong destination, ulong destinationPitch, void* source, ulong sourcePitch,
        ulong width, ulong height, ulong stream, int async) =>
        Copy2D(device, MemoryKind.Host, (ulong)source, sourcePitch, MemoryKind.Device, destination, destinationPitch, width, height, stream, async);

    [UnmanagedCallersOnly(EntryPoint = "orion_memcpy_2d_dtoh")]
    public static int Copy2DDeviceToHost(int device, void* destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        ulong width, ulong height, ulong stream, int async) =>
        Copy2D(device, MemoryKind.Device, source, sourcePitch, MemoryKind.Host, (ulong)destination, destinationPitch, width, height, stream, async);

    [UnmanagedCallersOnly(EntryPoint = "orion_memcpy_2d_dtod")]
    public static int Copy2DDeviceToDevice(int device, ulong destination, ulong destinationPitch, ulong source, ulong sourcePitch,
        ulong width, ulong height, ulong stream, int async) =>
        Copy2D(device, MemoryKind.Device, source, sourcePitch, MemoryKind.Device, destination, destinationPitch, width, height, stream, async);

    private static int Copy2D(int device, MemoryKind sourceKind, ulong source, ulong sourcePitch, MemoryKind destinationKind,
        ulong destination, ulong destinationPitch, ulong width, ulong height, ulong stream, int async)
    {
        try
        {
            var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
            return client is null
                ? error
                : ExportGuard.Status(client.Copy2D(sourceKind, source, sourcePitch, destinationKind, destination, destinationPitch,
                    width, height, stream, async != 0));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_memcpy_2d");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_memset")]
    public static int Memset(int device, ulong destination, byte value, ulong size, ulong stream, int async)
    {
        try
        {
            var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
            return client is null
                ? error
                : ExportGuard.Status(client.Memset(destination, value, 1, size, stream, async != 0));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_memset");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_memset_2d")]
    public static int Memset2D(int device, ulong destination, ulong pitch, byte value, ulong width, ulong height, ulong stream, int async)
    {
        try
        {
            var client = ExportGuard.Runtime(out var error)?.SelectForHandle(device, stream, out stream, out error);
            return client is null
                ? error
                : ExportGuard.Status(client.Memset2D(destination, pitch, value, 1, width, height, stream, async != 0));
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_memset_2d");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_memcpy_peer")]
    public static int CopyPeer(int destinationDevice, ulong destination, int sourceDevice, ulong source, ulong size, ulong stream, int async)
    {
        try
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
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_memcpy_peer");
        }
    }
}
