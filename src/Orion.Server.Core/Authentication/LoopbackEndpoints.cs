using System.Net;
using Orion.Transport;

namespace Orion.Server.Core.Authentication;

/// <summary>Which endpoints only this host can reach: where a server may listen without a token.</summary>
public static class LoopbackEndpoints
{
    /// <summary>
    /// True for an in-process endpoint, a shared-memory one (<c>shm://</c>: a Unix socket, reachable only by
    /// processes of this host that can open its file), and for a host that is a loopback address (127.0.0.0/8, <c>::1</c>, also
    /// IPv4-mapped) or <c>localhost</c>. Any other host, a wildcard (<c>0.0.0.0</c>, <c>::</c>) or a name included,
    /// is not: names other than localhost are not resolved.
    /// </summary>
    public static bool IsLoopback(TransportEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme is Orion.Transport.InMemory.InMemoryTransport.Scheme or "shm")
        {
            return true;
        }
        var host = endpoint.Host.Trim('[', ']');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (!IPAddress.TryParse(host, out var address))
        {
            return false;
        }
        return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }
}
