using System.Security.Cryptography.X509Certificates;

namespace Orion.Transport;

/// <summary>
/// TLS for a transport that offers it (<c>tls://</c>: TLS over TCP). A listener needs <see cref="ServerCertificate"/>; a
/// client verifies the server's certificate against <see cref="TrustedCertificates"/> (or the system's trust store) and
/// <see cref="ServerName"/> (or the endpoint's host), and refuses the connection when either check fails.
/// </summary>
public sealed record TransportTlsOptions
{
    /// <summary>Listening: the server's certificate, with its private key.</summary>
    public X509Certificate2? ServerCertificate { get; init; }

    /// <summary>Connecting: the certificates to trust as roots (a private CA, or the server's own self-signed certificate)
    /// instead of the system's trust store; null or empty: the system's trust store.</summary>
    public X509Certificate2Collection? TrustedCertificates { get; init; }

    /// <summary>Connecting: the name the server's certificate must be issued to (a DNS name or an IP address); null: the
    /// endpoint's host. For a server reached by an address its certificate does not name (a tunnel, a load balancer).</summary>
    public string? ServerName { get; init; }

    /// <summary>How long the TLS handshake may take, on either side, before the connection fails.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A client's verification settings as a user gives them (<c>ORION_TLS_CA</c>: a PEM file of the certificates to trust;
    /// <c>ORION_TLS_SERVER_NAME</c>: the name the server's certificate must carry): null when neither is given, or when the
    /// file cannot be used, with <paramref name="error"/> saying why in one line (naming <paramref name="caFileSource"/>).
    /// </summary>
    public static TransportTlsOptions? ForClient(string? caFile, string? serverName, out string? error, string caFileSource = "ORION_TLS_CA")
    {
        error = null;
        if (string.IsNullOrWhiteSpace(caFile) && string.IsNullOrWhiteSpace(serverName))
        {
            return null;
        }
        var trusted = new X509Certificate2Collection();
        if (!string.IsNullOrWhiteSpace(caFile))
        {
            try
            {
                trusted.ImportFromPemFile(caFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                error = $"{caFileSource}='{caFile}' cannot be read as PEM certificates: {ex.Message}";
                return null;
            }
            if (trusted.Count == 0)
            {
                error = $"{caFileSource}='{caFile}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
                return null;
            }
        }
        return new TransportTlsOptions
        {
            TrustedCertificates = trusted.Count > 0 ? trusted : null,
            ServerName = string.IsNullOrWhiteSpace(serverName) ? null : serverName.Trim(),
        };
    }
}
