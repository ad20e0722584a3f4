using Orion.Transport;

namespace Orion.Server.Core;

/// <summary>
/// <see cref="OrionServer.StartAsync"/> refused to listen without TLS on an endpoint that other hosts can reach (anything
/// but <c>tls://</c>, loopback and in-process) while <see cref="OrionServerOptions.AllowUnencrypted"/> is not set: the
/// token and the session's data would cross the network in clear. Nothing was listening yet.
/// </summary>
public sealed class UnencryptedEndpointException : InvalidOperationException
{
    public UnencryptedEndpointException(TransportEndpoint endpoint)
        : base($"Refusing to listen on {endpoint} without TLS: it is not a loopback address. "
            + $"Listen on tls://{endpoint.Host}:{endpoint.Port} with a certificate (OrionServerOptions.Tls), or set AllowUnencrypted for a trusted network.")
    {
        Endpoint = endpoint;
    }

    public UnencryptedEndpointException() { }

    public UnencryptedEndpointException(string message) : base(message) { }

    public UnencryptedEndpointException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The endpoint refused (the first one, when several are).</summary>
    public TransportEndpoint? Endpoint { get; }
}
