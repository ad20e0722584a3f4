using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orion.Transport.Tests.Tls;

/// <summary>Certificates made in the test (no files, no fixtures): a self-signed server certificate for loopback.</summary>
public static class TestCertificates
{
    /// <summary>A self-signed certificate, with its key, for <c>localhost</c>, 127.0.0.1 and ::1 (or <paramref name="names"/>).</summary>
    public static X509Certificate2 CreateSelfSigned(string subject = "CN=orion-test-server", params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (var name in names.Length > 0 ? names : ["localhost", "127.0.0.1", "::1"])
        {
            if (IPAddress.TryParse(name, out var address))
            {
                alternativeNames.AddIpAddress(address);
            }
            else
            {
                alternativeNames.AddDnsName(name);
            }
        }
        request.CertificateExtensions.Add(alternativeNames.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false)); // server authentication
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>Transport options that listen with <paramref name="certificate"/> and trust only it.</summary>
    public static TransportTlsOptions ServerAndTrust(X509Certificate2 certificate) => new()
    {
        ServerCertificate = certificate,
        TrustedCertificates = [certificate],
    };
}
