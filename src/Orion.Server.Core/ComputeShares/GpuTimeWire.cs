using System.Security.Cryptography;
using System.Text;

namespace Orion.Server.Core.ComputeShares;

/// <summary>
/// The supervisor's GPU time socket, spoken by workers: a worker sends the 32-byte key derived from its session's
/// ticket, then one byte per request or release; the supervisor answers one byte per grant, yield request or
/// revocation. The socket lives in a directory only the server's user may enter.
/// </summary>
internal static class GpuTimeWire
{
    public const int KeyBytes = 32;
    public const byte Request = (byte)'R';
    public const byte Release = (byte)'L';
    public const byte Requeue = (byte)'Q';
    public const byte Granted = (byte)'G';
    public const byte YieldRequested = (byte)'Y';
    public const byte Revoked = (byte)'V';

    /// <summary>The key a worker presents: a hash of its one-time ticket, so the ticket itself never crosses a second channel.</summary>
    public static byte[] KeyOf(string ticket) => SHA256.HashData(Encoding.ASCII.GetBytes("orion-gpu-time:" + ticket));
}
