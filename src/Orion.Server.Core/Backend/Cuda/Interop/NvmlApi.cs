using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// The entry points of NVIDIA's NVML (<c>libnvidia-ml.so.1</c>) the CUDA backend reads a card's identity and
/// sensors from, for the NVML replacement's wire call (<see cref="NvmlDeviceReader"/>). Each binds the symbol
/// <c>nvml.h</c> maps its public name to (<c>nvmlInit</c> is <c>nvmlInit_v2</c>, <c>nvmlDeviceGetPciInfo</c> is
/// <c>nvmlDeviceGetPciInfo_v3</c>). The library is optional: <see cref="NvmlDeviceReader"/> loads it lazily and
/// answers "not supported" for everything when it is absent. Results are <c>nvmlReturn_t</c> values (0 success,
/// 3 not supported); devices are NVML's opaque <c>nvmlDevice_t</c> pointers.
/// </summary>
internal static unsafe partial class NvmlApi
{
    internal const string LibraryName = "libnvidia-ml.so.1";

    /// <summary><c>NVML_ERROR_NOT_SUPPORTED</c>.</summary>
    internal const int NotSupported = 3;

    /// <summary><c>NVML_ERROR_FUNCTION_NOT_FOUND</c>: this NVML lacks the entry point.</summary>
    internal const int FunctionNotFound = 13;

    [LibraryImport(LibraryName, EntryPoint = "nvmlInit_v2")]
    internal static partial int Init();

    [LibraryImport(LibraryName, EntryPoint = "nvmlSystemGetDriverVersion")]
    internal static partial int SystemGetDriverVersion(byte* version, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlSystemGetNVMLVersion")]
    internal static partial int SystemGetNvmlVersion(byte* version, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlSystemGetCudaDriverVersion_v2")]
    internal static partial int SystemGetCudaDriverVersion(int* version);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetHandleByUUID")]
    internal static partial int DeviceGetHandleByUuid(byte* uuid, nint* device);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetHandleByPciBusId_v2")]
    internal static partial int DeviceGetHandleByPciBusId(byte* pciBusId, nint* device);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetSerial")]
    internal static partial int DeviceGetSerial(nint device, byte* serial, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetBrand")]
    internal static partial int DeviceGetBrand(nint device, int* brand);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetArchitecture")]
    internal static partial int DeviceGetArchitecture(nint device, uint* architecture);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPciInfo_v3")]
    internal static partial int DeviceGetPciInfo(nint device, NvmlPciInfo* pci);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMinorNumber")]
    internal static partial int DeviceGetMinorNumber(nint device, uint* minor);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMemoryInfo")]
    internal static partial int DeviceGetMemoryInfo(nint device, NvmlMemory* memory);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetBAR1MemoryInfo")]
    internal static partial int DeviceGetBar1MemoryInfo(nint device, NvmlMemory* bar1);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetUtilizationRates")]
    internal static partial int DeviceGetUtilizationRates(nint device, NvmlUtilization* utilization);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTemperature")]
    internal static partial int DeviceGetTemperature(nint device, int sensor, uint* celsius);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPowerUsage")]
    internal static partial int DeviceGetPowerUsage(nint device, uint* milliwatts);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetEnforcedPowerLimit")]
    internal static partial int DeviceGetEnforcedPowerLimit(nint device, uint* milliwatts);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPowerManagementLimit")]
    internal static partial int DeviceGetPowerManagementLimit(nint device, uint* milliwatts);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPerformanceState")]
    internal static partial int DeviceGetPerformanceState(nint device, int* state);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetClockInfo")]
    internal static partial int DeviceGetClockInfo(nint device, int clockType, uint* megahertz);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMaxClockInfo")]
    internal static partial int DeviceGetMaxClockInfo(nint device, int clockType, uint* megahertz);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetComputeMode")]
    internal static partial int DeviceGetComputeMode(nint device, int* mode);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPersistenceMode")]
    internal static partial int DeviceGetPersistenceMode(nint device, int* mode);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetDisplayMode")]
    internal static partial int DeviceGetDisplayMode(nint device, int* mode);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetDisplayActive")]
    internal static partial int DeviceGetDisplayActive(nint device, int* active);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMigMode")]
    internal static partial int DeviceGetMigMode(nint device, uint* current, uint* pending);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetFanSpeed")]
    internal static partial int DeviceGetFanSpeed(nint device, uint* percent);
}

/// <summary><c>nvmlPciInfo_t</c> (68 bytes): the legacy and current bus id strings around the numeric identity.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NvmlPciInfo
{
    public fixed byte BusIdLegacy[16];
    public uint Domain;
    public uint Bus;
    public uint Device;
    public uint PciDeviceId;
    public uint PciSubSystemId;
    public fixed byte BusId[32];
}

/// <summary><c>nvmlMemory_t</c> and <c>nvmlBAR1Memory_t</c>: total, free, used, in bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlMemory
{
    public ulong Total;
    public ulong Free;
    public ulong Used;
}

/// <summary><c>nvmlUtilization_t</c>: percentages of the last sample period.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlUtilization
{
    public uint Gpu;
    public uint Memory;
}
