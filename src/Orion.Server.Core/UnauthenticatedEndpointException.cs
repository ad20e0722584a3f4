using Orion.Transport;

namespace Orion.Server.Core;

/// <summary>
/// <see cref="OrionServer.StartAsync"/> refused to listen on an endpoint that other hosts can reach while no token is
/// configured and <see cref="OrionServerOptions.AllowUnauthenticated"/> is not set. Nothing was listening yet.
/// </summary>
public sealed class UnauthenticatedEndpointException : InvalidOperationException
{
    public UnauthenticatedEndpointException(TransportEndpoint endpoint)
        : base($"Refusing to listen on {endpoint} without authentication: it is not a loopback address. "
            + "Set OrionServerOptions.AuthToken or AuthTokenFile, or set AllowUnauthenticated to serve any client that can reach it.")
    {
        Endpoint = endpoint;
    }

    public UnauthenticatedEndpointException() { }

    public UnauthenticatedEndpointException(string message) : base(message) { }

    public UnauthenticatedEndpointException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The endpoint refused (the first one, when several are).</summary>
    public TransportEndpoint? Endpoint { get; }
}
