using System.Globalization;

namespace Orion.Transport;

/// <summary>
/// Where a transport listens or connects, written as a URI: <c>tcp://host:port</c>,
/// <c>rdma://host:port</c>, <c>auto://host:port</c> (shared memory when the server is on this host,
/// else RDMA when a device is present, else TCP), <c>shm://host:port</c> or <c>shm:///path/to/socket</c>
/// (shared memory; a path endpoint has the path as its <see cref="Host"/> and port 0) or
/// <c>inproc://name</c> (in-memory, same process).
/// </summary>
public sealed record TransportEndpoint(string Scheme, string Host, int Port)
{
    /// <summary>Parses <c>scheme://host:port</c>; a bare <c>host:port</c> means TCP.</summary>
    public static TransportEndpoint Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        if (!TryParse(text, out var endpoint, out var error))
        {
            throw new FormatException($"Invalid transport endpoint '{text}': {error}");
        }
        return endpoint;
    }

    public static bool TryParse(string text, out TransportEndpoint endpoint, out string error)
    {
        endpoint = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "empty";
            return false;
        }
        var withScheme = text.Contains("://", StringComparison.Ordinal) ? text : "tcp://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri))
        {
            error = InvalidPort(withScheme) ?? "not a URI (expected scheme://host:port)";
            return false;
        }
        var scheme = uri.Scheme.ToLowerInvariant();
        if (scheme == "inproc")
        {
            endpoint = new TransportEndpoint(scheme, uri.Host, 0);
            error = "";
            return uri.Host.Length > 0 || Fail("inproc endpoint needs a name", out error);
        }
        if (scheme == SharedMemoryScheme && uri.Host.Length == 0)
        {
            // shm:///run/orion/orion.sock: a Unix socket path rather than a host and port.
            var path = Uri.UnescapeDataString(uri.AbsolutePath);
            endpoint = new TransportEndpoint(scheme, path, 0);
            error = "";
            return path.Length > 1 || Fail("shm endpoint needs host:port or an absolute socket path (shm:///path)", out error);
        }
        if (uri.IsDefaultPort || uri.Port <= 0)
        {
            error = "a port is required";
            return false;
        }
        endpoint = new TransportEndpoint(scheme, uri.IdnHost, uri.Port);
        error = "";
        return true;
    }

    /// <summary>
    /// Why the port of <c>scheme://host:port</c> made it no URI (a number out of range, or not a number), so that the
    /// error names the port rather than the whole text; null when the port is not the problem.
    /// </summary>
    private static string? InvalidPort(string text)
    {
        var authority = text.AsSpan(text.IndexOf("://", StringComparison.Ordinal) + 3);
        var end = authority.IndexOfAny('/', '?', '#');
        if (end >= 0)
        {
            authority = authority[..end];
        }
        var colon = authority.LastIndexOf(':');
        // host:port, or [IPv6]:port; a bare IPv6 address (colons, no brackets) is left to the URI's own error.
        if (colon <= 0 || (authority[0] == '[' ? authority[colon - 1] != ']' : authority[..colon].Contains(':')))
        {
            return null;
        }
        var port = authority[(colon + 1)..];
        if (port.IsEmpty)
        {
            return "a port is required";
        }
        if (port.ContainsAnyExceptInRange('0', '9'))
        {
            return $"port '{port}' is not a number (1-65535)";
        }
        return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535
            ? null
            : $"port {port} is out of range (1-65535)";
    }

    private const string SharedMemoryScheme = "shm";

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }

    public override string ToString() => Scheme == "inproc" || (Scheme == SharedMemoryScheme && Port == 0)
        ? $"{Scheme}://{Host}"
        : string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{(Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}:{Port}");
}
