using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Orion.Transport.Rdma;

/// <summary>
/// Registers the RDMA transport with a factory, plus the <c>auto://host:port</c> rule: RDMA when a
/// device is present, otherwise the fallback (TCP), logging which one and why.
/// </summary>
public static partial class RdmaTransportSelection
{
    /// <summary>The scheme that chooses RDMA or the fallback at run time.</summary>
    public const string AutoScheme = "auto";

    /// <summary>Adds <paramref name="rdma"/> and the <c>auto</c> resolver; <paramref name="fallback"/>
    /// (normally the TCP transport) must already be, or also be, added for its own scheme.</summary>
    public static TransportFactory AddRdmaWithFallback(this TransportFactory factory, RdmaTransport rdma, ITransport fallback, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(rdma);
        ArgumentNullException.ThrowIfNull(fallback);
        var log = logger ?? NullLogger.Instance;
        factory.Add(rdma);
        return factory.AddResolver(endpoint => Choose(endpoint, rdma, fallback, log));
    }

    internal static ITransport? Choose(TransportEndpoint endpoint, ITransport rdma, ITransport fallback, ILogger logger)
    {
        if (!string.Equals(endpoint.Scheme, AutoScheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (rdma.IsAvailable(out var reason))
        {
            LogChoice(logger, endpoint, rdma.Schemes[0], reason);
            return new SchemeRewritingTransport(rdma, rdma.Schemes[0]);
        }
        LogChoice(logger, endpoint, fallback.Schemes[0], "RDMA unavailable: " + reason);
        return new SchemeRewritingTransport(fallback, fallback.Schemes[0]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Endpoint} uses {Scheme}: {Reason}")]
    private static partial void LogChoice(ILogger logger, TransportEndpoint endpoint, string scheme, string reason);
}
