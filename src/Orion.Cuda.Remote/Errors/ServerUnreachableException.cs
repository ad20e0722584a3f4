using Orion.Transport;

namespace Orion.Cuda.Remote;

/// <summary>
/// No Orion server could be talked to at <see cref="Endpoint"/>: the connection failed or timed out
/// (<see cref="Client.RemoteCudaClientOptions.ConnectTimeout"/>), or what answered did not complete the Orion handshake
/// within <see cref="Client.RemoteCudaClientOptions.HandshakeTimeout"/> or is not an Orion server. A server that
/// answers and refuses the session raises <see cref="Client.RemoteSessionRefusedException"/> instead. The transport's
/// error, if any, is the <see cref="Exception.InnerException"/>.
/// </summary>
public sealed class ServerUnreachableException : OrionException
{
    public ServerUnreachableException(TransportEndpoint? endpoint, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
    }

    public ServerUnreachableException() : this(null, "The Orion server cannot be reached.") { }

    public ServerUnreachableException(string message) : this(null, message) { }

    public ServerUnreachableException(string message, Exception innerException) : this(null, message, innerException) { }

    /// <summary>Where the client tried to reach a server; null when not known.</summary>
    public TransportEndpoint? Endpoint { get; }
}
