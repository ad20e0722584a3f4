using System.Globalization;

namespace Orion.Transport;

/// <summary>
/// Where a transport listens or connects, written as a URI: <c>tcp://host:port</c>,
/// <c>rdma://host:port</c>, <c>auto://host:port</c> (RDMA when a device is present, else TCP) or
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
            error = "not a URI (expected scheme://host:port)";
            return false;
        }
        var scheme = uri.Scheme.ToLowerInvariant();
        if (scheme == "inproc")
        {
            endpoint = new TransportEndpoint(scheme, uri.Host, 0);
            error = "";
            return uri.Host.Length > 0 || Fail("inproc endpoint needs a name", out error);
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

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }

    public override string ToString() => Scheme == "inproc"
        ? $"inproc://{Host}"
        : string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{(Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}:{Port}");
}
