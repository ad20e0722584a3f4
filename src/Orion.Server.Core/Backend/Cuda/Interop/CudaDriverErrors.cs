using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>Turns a <see cref="CudaStatus"/> into the driver's own name and text for logs and messages.</summary>
internal static unsafe class CudaDriverErrors
{
    /// <summary>The driver's name for <paramref name="result"/>, e.g. <c>CUDA_ERROR_INVALID_VALUE</c>.</summary>
    public static string Name(CudaStatus result)
    {
        byte* name = null;
        CudaStatus status;
        try
        {
            // cuGetErrorName needs no context and no cuInit; it fails only for unknown codes.
            status = CudaDriverApi.GetErrorName(result, &name);
        }
        catch (Exception e) when (IsDriverMissing(e))
        {
            return FallbackName(result);
        }

        return status == CudaStatus.Success && name != null
            ? Marshal.PtrToStringUTF8((nint)name) ?? FallbackName(result)
            : FallbackName(result);
    }

    /// <summary>"CUDA_ERROR_X (n): driver description" for messages.</summary>
    public static string Describe(CudaStatus result)
    {
        string head = $"{Name(result)} ({(int)result})";
        byte* text = null;
        CudaStatus status;
        try
        {
            status = CudaDriverApi.GetErrorString(result, &text);
        }
        catch (Exception e) when (IsDriverMissing(e))
        {
            return head;
        }

        string? description = status == CudaStatus.Success && text != null ? Marshal.PtrToStringUTF8((nint)text) : null;
        return string.IsNullOrEmpty(description) ? head : $"{head}: {description}";
    }

    private static string FallbackName(CudaStatus result) => $"CUresult {(int)result}";

    // The error text must still be produced on hosts where libcuda is missing (a call may have
    // failed precisely because of that), so a missing library degrades to the numeric name.
    private static bool IsDriverMissing(Exception e) => e is DllNotFoundException or EntryPointNotFoundException;
}
