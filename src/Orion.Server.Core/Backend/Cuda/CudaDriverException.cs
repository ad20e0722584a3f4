using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>
/// A CUDA driver call failed where the caller cannot hand a status code back (setup, tests, tools).
/// The backend itself returns codes; this is the thin wrapper layer over them.
/// </summary>
public sealed class CudaDriverException : Exception
{
    public CudaDriverException()
    {
    }

    public CudaDriverException(string message)
        : base(message)
    {
    }

    public CudaDriverException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal CudaDriverException(string function, CudaStatus result)
        : base($"{function} failed: {CudaDriverErrors.Describe(result)}")
    {
        Function = function;
        Code = (int)result;
    }

    /// <summary>The driver entry point that failed, e.g. <c>cuMemAlloc_v2</c>.</summary>
    public string Function { get; } = string.Empty;

    /// <summary>The driver's <c>CUresult</c> value, unchanged.</summary>
    public int Code { get; }

    /// <summary>Throws when <paramref name="result"/> is not success.</summary>
    internal static void ThrowIfFailed(CudaStatus result, string function)
    {
        if (result != CudaStatus.Success)
        {
            throw new CudaDriverException(function, result);
        }
    }
}
