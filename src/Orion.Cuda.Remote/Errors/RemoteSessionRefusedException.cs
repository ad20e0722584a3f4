using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Client;

/// <summary>
/// An Orion server answered and refused the session (protocol version, auth token, malformed hello, no capacity or
/// device), or its redirect to the session's worker could not be followed; <see cref="Status"/> says which.
/// </summary>
public sealed class RemoteSessionRefusedException : OrionException
{
    public RemoteSessionRefusedException(HandshakeStatus status, string message)
        : base($"The Orion server refused the session ({status}): {message}")
    {
        Status = status;
    }

    public RemoteSessionRefusedException() : this(HandshakeStatus.Unavailable, "refused") { }

    public RemoteSessionRefusedException(string message) : this(HandshakeStatus.Unavailable, message) { }

    public RemoteSessionRefusedException(string message, Exception innerException) : base(message, innerException)
    {
        Status = HandshakeStatus.Unavailable;
    }

    public HandshakeStatus Status { get; }
}
