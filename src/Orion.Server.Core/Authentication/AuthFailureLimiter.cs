using System.Net;
using System.Net.Sockets;
using Orion.Transport;

namespace Orion.Server.Core.Authentication;

/// <summary>What an authentication attempt came to.</summary>
internal enum AuthenticationOutcome
{
    /// <summary>The token matched (or none is required).</summary>
    Accepted,

    /// <summary>The token did not match.</summary>
    Failed,

    /// <summary>The token did not match, and this failure locked the address out.</summary>
    FailedAndLockedOut,

    /// <summary>The address is locked out: the token was not checked.</summary>
    LockedOut,
}

/// <summary>
/// Counts failed authentications per remote address and locks out an address that fails too often
/// (<see cref="AuthFailureLimits"/>), so that a token cannot be guessed at the rate a server answers hellos.
/// Memory is bounded: at most <see cref="AuthFailureLimits.MaxTrackedAddresses"/> addresses are tracked, the one
/// whose last failure is oldest being forgotten first. Thread-safe; time comes from a <see cref="TimeProvider"/>.
/// </summary>
internal sealed class AuthFailureLimiter
{
    private readonly int _maxFailures;
    private readonly TimeSpan _window;
    private readonly TimeSpan _lockout;
    private readonly int _maxTracked;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);

    /// <summary>Tracked addresses, least recently failed first.</summary>
    private readonly LinkedList<Entry> _order = new();

    public AuthFailureLimiter(AuthFailureLimits limits, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        _maxFailures = limits.MaxFailures;
        _window = limits.Window;
        _lockout = limits.Lockout;
        _maxTracked = limits.MaxTrackedAddresses;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The addresses tracked now (failed recently or locked out).</summary>
    public int TrackedAddresses
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>How long a lockout lasts.</summary>
    public TimeSpan Lockout => _lockout;

    /// <summary>Failures that lock an address out.</summary>
    public int MaxFailures => _maxFailures;

    /// <summary>
    /// One attempt from <paramref name="address"/> (an <see cref="AddressKey"/>): refused at once while the address is
    /// locked out, else <paramref name="verify"/> decides and the outcome is counted. Check and count happen under one
    /// lock, so concurrent hellos from one address cannot together make more than the allowed attempts.
    /// </summary>
    public AuthenticationOutcome Attempt(string address, Func<bool> verify)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(verify);
        if (_maxFailures == 0)
        {
            return verify() ? AuthenticationOutcome.Accepted : AuthenticationOutcome.Failed;
        }
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _entries.TryGetValue(address, out var node);
            if (node is not null && now < node.Value.LockedUntil)
            {
                return AuthenticationOutcome.LockedOut;
            }
            if (verify())
            {
                if (node is not null)
                {
                    Forget(node);
                }
                return AuthenticationOutcome.Accepted;
            }
            if (node is null)
            {
                if (_entries.Count >= _maxTracked)
                {
                    Forget(_order.First!);
                }
                node = _order.AddLast(new Entry(address) { WindowStart = now });
                _entries[address] = node;
            }
            else
            {
                _order.Remove(node);
                _order.AddLast(node);
            }
            var entry = node.Value;
            if (entry.LockedUntil != default || now - entry.WindowStart >= _window)
            {
                // A lockout that has run out, or a window that has passed: counting starts again.
                entry.Failures = 0;
                entry.WindowStart = now;
                entry.LockedUntil = default;
            }
            entry.Failures++;
            if (entry.Failures >= _maxFailures)
            {
                entry.LockedUntil = now + _lockout;
                return AuthenticationOutcome.FailedAndLockedOut;
            }
            return AuthenticationOutcome.Failed;
        }
    }

    private void Forget(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _entries.Remove(node.Value.Address);
    }

    /// <summary>
    /// The address a connection's failures are counted under: an IPv4 address (also when written IPv4-mapped), an IPv6
    /// address's /64 prefix, another transport's host name as given, and one key for every in-process connection.
    /// </summary>
    public static string AddressKey(TransportEndpoint remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (remote.Scheme == Orion.Transport.InMemory.InMemoryTransport.Scheme)
        {
            return remote.Scheme; // in-process connections are named per connection, not per peer
        }
        if (!IPAddress.TryParse(remote.Host, out var address))
        {
            return remote.Host.ToLowerInvariant();
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private sealed class Entry(string address)
    {
        public string Address { get; } = address;

        public int Failures { get; set; }

        public DateTimeOffset WindowStart { get; set; }

        public DateTimeOffset LockedUntil { get; set; }
    }
}
