using System.Buffers;
using System.Runtime.InteropServices;

namespace Orion.Transport.Demo;

/// <summary>
/// The demo's tiny protocol on top of the transport: every message starts with an opcode.
/// 'P' ping: the server echoes the message. 'B' + u32 length: a bulk transfer of that length
/// follows; the server receives it and answers 'S' + a u64 checksum (<see cref="Sum"/>), so the client can check it.
/// </summary>
internal static class DemoProtocol
{
    public const byte Ping = (byte)'P';
    public const byte BulkAnnounce = (byte)'B';
    public const byte BulkSum = (byte)'S';

    /// <summary>The largest bulk the demo server accepts (it allocates the destination).</summary>
    public const int MaxBulk = 1 << 30;

    /// <summary>A cheap checksum: the wrapping sum of the 8-byte words, then of the tail bytes.</summary>
    public static ulong Sum(ReadOnlySpan<byte> bytes)
    {
        ulong sum = 0;
        foreach (var word in MemoryMarshal.Cast<byte, ulong>(bytes))
        {
            sum += word;
        }
        foreach (var b in bytes[(bytes.Length & ~7)..])
        {
            sum += b;
        }
        return sum;
    }

    public static byte Opcode(in ReadOnlySequence<byte> message) => message.IsEmpty ? (byte)0 : message.FirstSpan[0];
}
