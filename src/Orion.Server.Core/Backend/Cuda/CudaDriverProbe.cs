using System.Runtime.InteropServices;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// Finds out whether this host can run the CUDA driver backend, and if not, says why in words an
/// operator can act on ("libcuda.so.1 not found", "no CUDA device").
/// </summary>
internal static unsafe class CudaDriverProbe
{
    private static readonly Lock Gate = new();
    private static bool s_probed;
    private static bool s_available;
    private static string s_reason = string.Empty;
    private static int s_deviceCount;

    /// <summary>
    /// Loads the driver, runs <c>cuInit</c> and counts devices, once per process (the answer cannot
    /// change while the process lives, and cuInit is process-wide anyway).
    /// </summary>
    public static bool TryInitialize(out int deviceCount, out string reason)
    {
        lock (Gate)
        {
            if (!s_probed)
            {
                s_available = Probe(CudaDriverApi.LibraryName, out s_deviceCount, out s_reason);
                s_probed = true;
            }

            deviceCount = s_deviceCount;
            reason = s_reason;
            return s_available;
        }
    }

    /// <summary>Whether a library of this name can be loaded; separate so tests can name one that cannot.</summary>
    internal static bool TryLoadLibrary(string libraryName, out string reason)
    {
        if (!NativeLibrary.TryLoad(libraryName, out nint handle))
        {
            reason = $"{libraryName} not found: the NVIDIA CUDA driver is not installed on this host " +
                     "(or not on the loader path)";
            return false;
        }

        // Keep it loaded: the LibraryImport stubs resolve the same library by name afterwards.
        _ = handle;
        reason = string.Empty;
        return true;
    }

    private static bool Probe(string libraryName, out int deviceCount, out string reason)
    {
        deviceCount = 0;
        if (!TryLoadLibrary(libraryName, out reason))
        {
            return false;
        }

        CudaStatus result = CudaDriverApi.Init(0);
        if (result == CudaStatus.NoDevice)
        {
            reason = "no CUDA device: the driver is installed but cuInit found no GPU";
            return false;
        }

        if (result != CudaStatus.Success)
        {
            reason = $"cuInit failed: {CudaDriverErrors.Describe(result)}";
            return false;
        }

        int count;
        result = CudaDriverApi.DeviceGetCount(&count);
        if (result != CudaStatus.Success)
        {
            reason = $"cuDeviceGetCount failed: {CudaDriverErrors.Describe(result)}";
            return false;
        }

        if (count <= 0)
        {
            reason = "no CUDA device: cuDeviceGetCount returned 0";
            return false;
        }

        deviceCount = count;
        reason = string.Empty;
        return true;
    }
}
