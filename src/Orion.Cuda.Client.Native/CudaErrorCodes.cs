using Orion.Cuda.Remote;

namespace Orion.Cuda.Client.Native;

/// <summary>
/// cudaError_t values the library returns itself, and the mapping from the driver results
/// (<see cref="CudaStatus"/>) that travel on the wire. The runtime's codes were aligned with the
/// driver's, so a result keeps its number; only driver results the runtime has no code for
/// become cudaErrorUnknown, as the real libcudart does.
/// </summary>
internal static class CudaErrorCodes
{
    public const int Success = 0;
    public const int InvalidValue = 1;
    public const int MemoryAllocation = 2;
    public const int DevicesUnavailable = 46;
    public const int NoDevice = 100;
    public const int InvalidDevice = 101;
    public const int InvalidResourceHandle = 400;
    public const int NotSupported = 801;
    public const int Unknown = 999;

    // Driver results with no runtime counterpart (CUDA_ERROR_CONTEXT_ALREADY_CURRENT).
    private static readonly HashSet<int> DriverOnly = [202];

    public static int FromStatus(CudaStatus status)
    {
        var value = (int)status;
        return value < 0 || DriverOnly.Contains(value) ? Unknown : value;
    }
}
