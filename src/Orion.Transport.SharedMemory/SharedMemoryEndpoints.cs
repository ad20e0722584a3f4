using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// How <c>shm://</c> endpoints name their Unix socket: <c>shm:///path/to/socket</c> is that path;
/// <c>shm://host:port</c> (host must be this machine) is <c>orion-PORT.sock</c> in the socket directory
/// (<see cref="SharedMemoryTransportSettings.EffectiveSocketDirectory"/>), so that a server's TCP port
/// and its shared-memory socket go together, and <c>auto://host:port</c> can find the latter.
/// </summary>
public static class SharedMemoryEndpoints
{
    /// <summary>The socket path of <paramref name="endpoint"/> (scheme not checked).</summary>
    public static string SocketPath(TransportEndpoint endpoint, string socketDirectory)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Host.StartsWith('/')
            ? endpoint.Host
            : Path.Combine(socketDirectory, $"orion-{endpoint.Port}.sock");
    }

    /// <summary>Whether <paramref name="host"/> names this machine: a loopback or wildcard address, one of
    /// its interfaces' addresses, <c>localhost</c>, or its host name (resolved otherwise; a name that does
    /// not resolve is not local).</summary>
    public static bool IsThisHost(string host)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || string.Equals(host, Dns.GetHostName(), StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal))
        {
            addresses = [literal];
        }
        else
        {
            try
            {
                addresses = Dns.GetHostAddresses(host);
            }
            catch (SocketException)
            {
                return false;
            }
        }
        var local = LocalAddresses();
        return addresses.Length > 0 && addresses.All(address => IPAddress.IsLoopback(address)
            || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || local.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address));
    }

    private static HashSet<IPAddress> LocalAddresses()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var networkInterface in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in networkInterface.GetIPProperties().UnicastAddresses)
                {
                    addresses.Add(unicast.Address);
                }
            }
        }
        catch (NetworkInformationException)
        {
        }
        return addresses;
    }
}
