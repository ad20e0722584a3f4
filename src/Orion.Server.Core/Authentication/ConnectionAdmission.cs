using Orion.Transport;

namespace Orion.Server.Core.Authentication;

/// <summary>
/// Counts the connections a server holds open, in all and per remote address (an IPv4 address, an IPv6 /64 prefix: as
/// <see cref="AuthFailureLimiter.AddressKey"/>), from the accept until the server is done with the connection: a
/// session, a handshake being answered, a refusal being sent. Past either limit a new connection is refused at once,
/// before it is given a thread, a session or a hello timeout, so one peer opening connections cannot starve the others.
/// </summary>
internal sealed class ConnectionAdmission(int maxConnections, int maxPerAddress)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perAddress = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Connections held now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    /// <summary>Takes a place for a connection from <paramref name="remote"/>: a lease to dispose when the server is done with
    /// it, or null with why not (a line for the client and the log).</summary>
    public Lease? TryAdmit(TransportEndpoint remote, out string refusal)
    {
        var key = AuthFailureLimiter.AddressKey(remote);
        lock (_lock)
        {
            if (_total >= maxConnections)
            {
                refusal = $"the server already holds its maximum of {maxConnections} connections";
                return null;
            }
            _perAddress.TryGetValue(key, out var held);
            if (held >= maxPerAddress)
            {
                refusal = $"too many connections from {key} (at most {maxPerAddress} at once)";
                return null;
            }
            _perAddress[key] = held + 1;
            _total++;
        }
        refusal = "";
        return new Lease(this, key);
    }

    private void Release(string key)
    {
        lock (_lock)
        {
            _total--;
            if (_perAddress[key] == 1)
            {
                _perAddress.Remove(key); // an address with nothing open takes no memory
            }
            else
            {
                _perAddress[key]--;
            }
        }
    }

    /// <summary>One connection's place; disposing it (once or more) gives the place back.</summary>
    internal sealed class Lease(ConnectionAdmission owner, string key) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(key);
            }
        }
    }
}
