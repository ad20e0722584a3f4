using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Remote;

/// <summary>Turns the status of a <see cref="RemoteCudaClient"/> call into the typed API's exceptions.</summary>
internal static class ClientStatus
{
    /// <summary>
    /// Throws unless <paramref name="status"/> is success: <see cref="ConnectionLostException"/> when the call failed
    /// because the connection is gone, else <see cref="CudaException"/> with the status.
    /// </summary>
    public static void ThrowIfFailed(this RemoteCudaClient client, CudaStatus status, string operation)
    {
        if (status != CudaStatus.Success)
        {
            throw Failure(client, status, operation);
        }
    }

    public static OrionException Failure(RemoteCudaClient client, CudaStatus status, string operation) =>
        status == RemoteCudaClient.ConnectionLost && !client.IsConnected
            ? new ConnectionLostException(operation, client.FailureReason)
            : new CudaException(status, operation);
}
