using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: identification, connection and devices.</summary>
internal static unsafe partial class ClientAbi
{
    /// <summary>Attribute counts above this are refused (the stub asks for 160).</summary>
    private const int MaxDeviceAttributeCount = 256;

    public static int ClientAbiVersion() => ClientAbiExports.AbiVersion;

    public static int Initialize()
    {
        return ClientRuntime.Initialize(ClientSettings.FromEnvironment);
    }

    public static int Shutdown()
    {
        ClientRuntime.Shutdown(TimeSpan.FromSeconds(1));
        return CudaErrorCodes.Success;
    }

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

    public static int DeviceGetAttributes(int device, int count, int* attributes, int* values)
    {
        var info = Info(device, out var error);
        if (info is null)
        {
            return error;
        }
        if (count < 0 || count > MaxDeviceAttributeCount || (count > 0 && (attributes is null || values is null)))
        {
            return CudaErrorCodes.InvalidValue;
        }
        for (var i = 0; i < count; i++)
        {
            values[i] = info.GetAttribute(attributes[i]);
        }
        return CudaErrorCodes.Success;
    }

    public static int DeviceGetName(int device, byte* name, int capacity)
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

    public static int DeviceGetUuid(int device, byte* uuid)
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
        // The driver's 16 bytes in the driver's order: the server made the Guid from them as .NET reads bytes
        // (little-endian fields) and the welcome carries them the same way, so they are written back that way.
        // NVML's UUID text ("GPU-" and these bytes in order) then names the same device as cuDeviceGetUuid.
        return info.Uuid.TryWriteBytes(new Span<byte>(uuid, 16), bigEndian: false, out _)
            ? CudaErrorCodes.Success
            : CudaErrorCodes.Unknown;
    }

    public static int DeviceTotalMemory(int device, ulong* bytes)
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

    public static int DeviceMemoryInfo(int device, ulong* freeBytes, ulong* totalBytes)
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

    public static int DeviceSynchronize(int device)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.Synchronize());
    }

    public static int DeviceGetLimit(int device, int limit, ulong* value)
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
        var status = client.GetLimit(limit, out var remote);
        *value = remote;
        return ExportGuard.Status(status);
    }

    public static int DeviceSetLimit(int device, int limit, ulong value)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.SetLimit(limit, value));
    }

    public static int DeviceReset(int device)
    {
        var client = ExportGuard.Runtime(out var error)?.Select(device, out error);
        return client is null ? error : ExportGuard.Status(client.DeviceReset());
    }

    public static int StreamPriorityRange(int device, int* least, int* greatest)
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
