using Orion.Cuda.Remote;
using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Client.Native.Exports;

/// <summary>
/// What every export does around its body: no exception may cross into C, and no call may run
/// before a successful orion_initialize.
/// </summary>
internal static class ExportGuard
{
    /// <summary>The runtime, or null with cudaErrorNoDevice when orion_initialize did not succeed.</summary>
    public static ClientRuntime? Runtime(out int error)
    {
        var runtime = ClientRuntime.Current;
        error = runtime is null ? CudaErrorCodes.NoDevice : CudaErrorCodes.Success;
        return runtime;
    }

    public static int Status(CudaStatus status) => CudaErrorCodes.FromStatus(status);

    /// <summary>Turns an escaped exception into cudaErrorUnknown (logged: it is a bug here).</summary>
    public static int Fail(Exception exception, string export)
    {
        try
        {
            NativeLog.Write(NativeLogLevel.Error, $"{export} failed inside the Orion client: {exception.GetType().Name}: {exception.Message}");
        }
#pragma warning disable CA1031 // nothing, not even logging, may throw into the C caller
        catch
#pragma warning restore CA1031
        {
        }
        return exception is ObjectDisposedException ? (int)RemoteCudaClient.ConnectionLost : CudaErrorCodes.Unknown;
    }
}
