namespace Orion.Cuda.Client.Native.Exports;

/// <summary>orion_client.h: NVML's view of a device, for the libnvidia-ml.so.1 replacement.</summary>
internal static unsafe partial class ClientAbi
{
    /// <summary>ORION_NVML_TEXT_BYTES and ORION_NVML_TEXTS: the four texts' fixed fields.</summary>
    private const int NvmlTextBytes = 96;
    private const int NvmlTexts = 4;

    public static int NvmlDeviceStatus(int device, int count, ulong* values, int* statuses, byte* uuid16, byte* texts, int textsCapacity)
    {
        if (count < 0 || count > DeviceStatus.ReadingCount || (count > 0 && (values is null || statuses is null)) || uuid16 is null
            || texts is null || textsCapacity < NvmlTextBytes * NvmlTexts)
        {
            return CudaErrorCodes.InvalidValue;
        }
        var runtime = ExportGuard.Runtime(out var error);
        if (runtime is null)
        {
            return error;
        }
        var client = runtime.Locate(device, out var local, out error);
        if (client is null)
        {
            return error;
        }
        var status = client.GetDeviceStatus(local, out var record);
        if (status != CudaStatus.Success)
        {
            return ExportGuard.Status(status);
        }
        for (var i = 0; i < count; i++)
        {
            var reading = record.Readings[i];
            values[i] = reading.Value;
            statuses[i] = reading.Status;
        }
        record.Uuid.Span.CopyTo(new Span<byte>(uuid16, 16));
        string[] fields = [record.Name, record.Serial, record.DriverVersion, record.NvmlVersion];
        for (var i = 0; i < fields.Length; i++)
        {
            NativeText.WriteTruncated(fields[i], new Span<byte>(texts + (i * NvmlTextBytes), NvmlTextBytes));
        }
        return CudaErrorCodes.Success;
    }
}
