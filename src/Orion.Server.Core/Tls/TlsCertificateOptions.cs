namespace Orion.Server.Core.Tls;

/// <summary>
/// The server's TLS certificate, for its <c>tls://</c> endpoints (and its workers' in process isolation): a PEM
/// certificate with its PEM private key (<paramref name="KeyFile"/>, or in the same file), or a PKCS#12 (<c>.pfx</c>,
/// <c>.p12</c>) file holding both, without a password. Read when the server starts; the key file should be readable by
/// the server's user only.
/// </summary>
/// <param name="CertificateFile">The certificate (PEM, with its chain after it if any) or the PKCS#12 file.</param>
/// <param name="KeyFile">The PEM private key (PKCS#8 or the algorithm's own format, unencrypted); null: in <paramref name="CertificateFile"/>.</param>
public sealed record TlsCertificateOptions(string CertificateFile, string? KeyFile = null);
