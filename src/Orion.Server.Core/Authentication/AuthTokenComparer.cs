using System.Security.Cryptography;
using System.Text;

namespace Orion.Server.Core.Authentication;

/// <summary>
/// The one place a presented token is compared with the expected one (the server's auth token, a worker's
/// ticket). Both are reduced to their SHA-256 digests, which are compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>: the time taken depends neither on where the
/// first differing character is nor on the expected token's length, and the server keeps only the digest.
/// </summary>
internal static class AuthTokenComparer
{
    /// <summary>The digest to keep in place of <paramref name="token"/> (32 bytes).</summary>
    public static byte[] Digest(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>True when <paramref name="presented"/> is the token whose digest is <paramref name="expectedDigest"/>.</summary>
    public static bool Matches(string? presented, ReadOnlySpan<byte> expectedDigest)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var bytes = Encoding.UTF8.GetBytes(presented ?? "");
        SHA256.HashData(bytes, digest);
        CryptographicOperations.ZeroMemory(bytes);
        return CryptographicOperations.FixedTimeEquals(digest, expectedDigest);
    }

    /// <summary>True when <paramref name="presented"/> equals <paramref name="expected"/>, in time independent of both.</summary>
    public static bool Matches(string? presented, string expected) => Matches(presented, Digest(expected));
}
