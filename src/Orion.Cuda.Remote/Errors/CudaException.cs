using System.Text;

namespace Orion.Cuda.Remote;

/// <summary>
/// A CUDA call failed on the server's GPU (or was refused before reaching it); carries the driver status and its CUDA
/// name (e.g. <c>CUDA_ERROR_INVALID_VALUE</c>). A call that fails because the connection is gone raises
/// <see cref="ConnectionLostException"/> instead.
/// </summary>
public sealed class CudaException : OrionException
{
    public CudaException(CudaStatus status, string operation)
        : base($"{operation} failed: {GetErrorName(status)} ({(int)status})")
    {
        Status = status;
        ErrorName = GetErrorName(status);
    }

    public CudaException() : this(CudaStatus.Unknown, "CUDA call") { }

    public CudaException(string message) : base(message)
    {
        Status = CudaStatus.Unknown;
        ErrorName = GetErrorName(Status);
    }

    public CudaException(string message, Exception innerException) : base(message, innerException)
    {
        Status = CudaStatus.Unknown;
        ErrorName = GetErrorName(Status);
    }

    public CudaStatus Status { get; }

    /// <summary>The CUDA driver name of <see cref="Status"/>, as <c>cuGetErrorName</c> gives it.</summary>
    public string ErrorName { get; }

    /// <summary>Throws a <see cref="CudaException"/> unless <paramref name="status"/> is success.</summary>
    public static void ThrowIfFailed(CudaStatus status, string operation)
    {
        if (status != CudaStatus.Success)
        {
            throw new CudaException(status, operation);
        }
    }

    /// <summary><c>CUDA_SUCCESS</c>, <c>CUDA_ERROR_OUT_OF_MEMORY</c>, …; a value this build does not know gives <c>CUDA_ERROR_&lt;number&gt;</c>.</summary>
    public static string GetErrorName(CudaStatus status)
    {
        if (status == CudaStatus.Success)
        {
            return "CUDA_SUCCESS";
        }
        if (!Enum.IsDefined(status))
        {
            return "CUDA_ERROR_" + ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var name = status.ToString();
        var builder = new StringBuilder("CUDA_ERROR_", 48);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                builder.Append('_');
            }
            builder.Append(char.ToUpperInvariant(name[i]));
        }
        return builder.ToString();
    }
}
