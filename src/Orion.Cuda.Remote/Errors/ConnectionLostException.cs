using Orion.Cuda.Remote.Client;

namespace Orion.Cuda.Remote;

/// <summary>
/// A call of the typed API (<see cref="RemoteGpu"/> and the objects it hands out) could not be made because the
/// session's connection to the server has ended: the server went away or ended the session, the network failed, or
/// the client was disposed. Everything the session held on the server is gone; connect again to go on.
/// <see cref="Reason"/> says why (<see cref="RemoteCudaClient.FailureReason"/>).
/// </summary>
public sealed class ConnectionLostException : OrionException
{
    public ConnectionLostException(string operation, string? reason)
        : base($"{operation} failed: the connection to the Orion server is lost ({reason ?? "no reason given"})")
    {
        Operation = operation;
        Reason = reason ?? "";
    }

    public ConnectionLostException() : this("CUDA call", (string?)null) { }

    public ConnectionLostException(string message) : base(message)
    {
        Operation = "";
        Reason = message;
    }

    public ConnectionLostException(string message, Exception innerException) : base(message, innerException)
    {
        Operation = "";
        Reason = message;
    }

    /// <summary>The CUDA call that found the connection gone, e.g. <c>cuMemAlloc</c>.</summary>
    public string Operation { get; }

    /// <summary>Why the connection ended.</summary>
    public string Reason { get; }

    /// <summary>What the calls of <see cref="RemoteCudaClient"/> return once the connection is gone.</summary>
    public static CudaStatus Status => RemoteCudaClient.ConnectionLost;
}
