using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orion.Server.Core.Tls;

/// <summary>Reads the server's certificate and key from <see cref="TlsCertificateOptions"/>, with errors that name the file and say what is wrong.</summary>
internal static class ServerCertificate
{
    /// <exception cref="InvalidOperationException">A file is missing, unreadable or not a certificate, or the key is missing or does not match.</exception>
    public static X509Certificate2 Load(TlsCertificateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.CertificateFile;
        try
        {
            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"TLS certificate '{path}': no such file.");
            }
            if (options.KeyFile is { } keyPath && !File.Exists(keyPath))
            {
                throw new InvalidOperationException($"TLS key '{keyPath}': no such file.");
            }
            var certificate = IsPem(path)
                ? X509Certificate2.CreateFromPemFile(path, options.KeyFile ?? path)
                : X509CertificateLoader.LoadPkcs12FromFile(path, password: null);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new InvalidOperationException($"TLS certificate '{path}': no private key (give the key file, or a PKCS#12 file that holds it).");
            }
            return certificate;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException($"TLS certificate '{path}'{(options.KeyFile is null ? "" : $" with key '{options.KeyFile}'")} cannot be used: {ex.Message}", ex);
        }
    }

    private static bool IsPem(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> start = stackalloc byte[4096];
        var read = file.Read(start);
        return start[..read].IndexOf("-----BEGIN"u8) >= 0;
    }
}
