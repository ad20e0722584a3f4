namespace Orion.Cuda.Protocol.Wire;

/// <summary>The server's answer to a client hello.</summary>
public enum HandshakeStatus : byte
{
    Accepted = 0,
    /// <summary>The client speaks a protocol version this server does not.</summary>
    VersionMismatch = 1,
    /// <summary>The auth token is missing or wrong.</summary>
    AuthenticationFailed = 2,
    /// <summary>The hello was not a valid hello (wrong magic, malformed).</summary>
    MalformedHello = 3,
    /// <summary>The server has no device to offer or is shutting down.</summary>
    Unavailable = 4,
    /// <summary>Accepted, but the session runs elsewhere: connect to the welcome's redirect endpoint and hello again with its ticket.</summary>
    Redirect = 5,
    /// <summary>No vGPU (or device) can take what the hello asked for now; the message says what is free.</summary>
    NoCapacity = 6,
}
