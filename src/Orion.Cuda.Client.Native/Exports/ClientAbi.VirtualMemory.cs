using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>
/// orion_client.h: virtual memory management. Reservations and physical allocations are the given device's
/// session's; allocation handles are that session's, used with that device.
/// </summary>
internal static unsafe partial class ClientAbi
{
    public static int VmmGranularity(int device, int allocationType, int handleTypes, int granularityKind, ulong* granularity)
    {
        if (granularity is null || granularityKind is not (0 or 1))
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetAllocationGranularity(granularityKind == 1, out var value, allocationType, handleTypes);
        *granularity = value;
        return ExportGuard.Status(status);
    }

    public static int VmmReserve(int device, ulong size, ulong alignment, ulong addressHint, ulong* address)
    {
        if (address is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.ReserveAddressRange(size, alignment, addressHint, out var reserved);
        *address = reserved;
        return ExportGuard.Status(status);
    }

    public static int VmmFree(int device, ulong address, ulong size)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.FreeAddressRange(address, size));
    }

    public static int VmmCreate(int device, ulong size, int allocationType, int handleTypes, ulong* allocation)
    {
        if (allocation is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.CreatePhysicalAllocation(size, out var handle, allocationType, handleTypes);
        *allocation = handle;
        return ExportGuard.Status(status);
    }

    public static int VmmRelease(int device, ulong allocation)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.ReleasePhysicalAllocation(allocation));
    }

    public static int VmmMap(int device, ulong address, ulong size, ulong offset, ulong allocation)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.MapMemory(address, size, allocation, offset));
    }

    public static int VmmUnmap(int device, ulong address, ulong size)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.UnmapMemory(address, size));
    }

    public static int VmmSetAccess(int device, ulong address, ulong size, uint flags)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        // Select made the device current in its session: its index there is the session's current device.
        return client is null ? error : ExportGuard.Status(client.SetMemoryAccess(address, size, client.CurrentDevice, flags));
    }

    public static int VmmGetAccess(int device, ulong address, uint* flags)
    {
        if (flags is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetMemoryAccess(address, client.CurrentDevice, out var access);
        *flags = access;
        return ExportGuard.Status(status);
    }

    public static int VmmRetain(int device, ulong address, ulong* allocation)
    {
        if (allocation is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.RetainPhysicalAllocation(address, out var handle);
        *allocation = handle;
        return ExportGuard.Status(status);
    }

    public static int VmmProperties(int device, ulong allocation, ulong* size, int* allocationType, int* handleTypes)
    {
        if (size is null || allocationType is null || handleTypes is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetPhysicalAllocationProperties(allocation, out var bytes, out _, out var type, out var types);
        (*size, *allocationType, *handleTypes) = (bytes, type, types);
        return ExportGuard.Status(status);
    }
}
