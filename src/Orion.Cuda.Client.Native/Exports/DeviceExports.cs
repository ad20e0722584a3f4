using System.Runtime.InteropServices;
using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: identification, connection and devices.</summary>
internal static unsafe class DeviceExports
{
    /// <summary>Attribute counts above this are refused (the stub asks for 160).</summary>
    private const int MaxAttributeCount = 256;

    [UnmanagedCallersOnly(EntryPoint = "orion_client_abi_version")]
    public static int AbiVersion() => ExportGuard.AbiVersion;

    [UnmanagedCallersOnly(EntryPoint = "orion_initialize")]
    public static int Initialize()
    {
        try
        {
            return ClientRuntime.Initialize(ClientSettings.FromEnvironment);
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_initialize");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_shutdown")]
    public static int Shutdown()
    {
        try
        {
            ClientRuntime.Shutdown(TimeSpan.FromSeconds(1));
            return CudaErrorCodes.Success;
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_shutdown");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_device_count")]
    public static int DeviceCount(int* count)
    {
        var runtime = ExportGuard.Runtime(out var error);
        if (runtime is null || count is null)
        {
            return count is null ? CudaErrorCodes.InvalidValue : error;
        }
        *count = runtime.DeviceCount;
        return CudaErrorCodes.Success;
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_driver_version")]
    public static int DriverVersion(int* version)
    {
        var runtime = ExportGuard.Runtime(out var error);
        if (runtime is null || version is null)
        {
            return version is null ? CudaErrorCodes.InvalidValue : error;
        }
        *version = runtime.DriverVersion;
        return CudaErrorCodes.Success;
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_device_get_attributes")]
    public static int GetAttributes(int device, int count, int* attributes, int* values)
    {
        var info = Info(device, out var error);
        if (info is null)
        {
            return error;
        }
        if (count < 0 || count > MaxAttributeCount || (count > 0 && (attributes is null || values is null)))
        {
            return CudaErrorCodes.InvalidValue;
        }
        for (var i = 0; i < count; i++)
        {
            values[i] = info.GetAttribute(attributes[i]);
        }
        return CudaErrorCodes.Success;
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_device_get_name")]
    public static int GetName(int device, byte* name, int capacity)
    {
        var info = Info(device, out var error);
        if (info is null)
        {
            return error;
        }
        if (name is null || capacity < 1)
        {
            return CudaErrorCodes.InvalidValue;
        }
        NativeText.WriteTruncated(info.Name, new Span<byte>(name, capacity));
        return CudaErrorCodes.Success;
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_device_get_uuid")]
    public static int GetUuid(int device, byte* uuid)
    {
        var info = Info(device, out var error);
        if (info is null)
        {
            return error;
        }
        if (uuid is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        // CUDA's UUID bytes are in RFC 4122 (big-endian) order.
        return info.Uuid.TryWriteBytes(new Span<byte>(uuid, 16), bigEndian: true, out _)
            ? CudaErrorCodes.Success
            : CudaErrorCodes.Unknown;
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_device_total_memory")]
    public static int TotalMemory(int device, ulong* bytes)
    {
        var info = Info(device, out var error);
        if (info is null)
        {
            return error;
        }
        if (bytes is null)
        {
            return CudaErrorCodes.InvalidValue;
        }
        *bytes = info.TotalMemory;
        return CudaErrorCodes.Success;
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_device_memory_info")]
    public static int MemoryInfo(int device, ulong* freeBytes, ulong* totalBytes)
    {
        try
        {
            if (freeBytes is null || totalBytes is null)
            {
                return CudaErrorCodes.InvalidValue;
            }
            var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
            if (client is null)
            {
                return error;
            }
            var status = client.GetMemoryInfo(out var free, out var total);
            *freeBytes = free;
            *totalBytes = total;
            return ExportGuard.Status(status);
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_device_memory_info");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_device_synchronize")]
    public static int Synchronize(int device)
    {
        try
        {
            var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
            return client is null ? error : ExportGuard.Status(client.Synchronize());
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_device_synchronize");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_device_reset")]
    public static int Reset(int device)
    {
        try
        {
            var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
            return client is null ? error : ExportGuard.Status(client.DeviceReset());
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_device_reset");
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "orion_stream_priority_range")]
    public static int StreamPriorityRange(int device, int* least, int* greatest)
    {
        try
        {
            if (least is null || greatest is null)
            {
                return CudaErrorCodes.InvalidValue;
            }
            var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
            if (client is null)
            {
                return error;
            }
            var status = client.GetStreamPriorityRange(out var low, out var high);
            *least = low;
            *greatest = high;
            return ExportGuard.Status(status);
        }
        catch (Exception ex)
        {
            return ExportGuard.Fail(ex, "orion_stream_priority_range");
        }
    }

    private static RemoteDeviceInfo? Info(int device, out int error)
    {
        var runtime = ExportGuard.Runtime(out error);
        if (runtime is null)
        {
            return null;
        }
        var info = runtime.DeviceInfo(device);
        error = info is null ? CudaErrorCodes.InvalidDevice : CudaErrorCodes.Success;
        return info;
    }
}
