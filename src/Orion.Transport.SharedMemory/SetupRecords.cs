using System.Buffers.Binary;
using System.Text;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// The two records of connection setup on the Unix socket (little-endian):
/// <code>
/// hello (client to server, the segment's memfd attached with SCM_RIGHTS), 24 bytes:
///   u32 magic "OSHM", u16 version, u16 flags (0), u32 ring capacity, u32 reserved (0), u64 segment length
/// answer (server to client), 8 bytes + reason:
///   u32 magic, u16 version, u16 status (0 accepted, 1 refused), then the reason as UTF-8 (at most 200 bytes)
/// </code>
/// The server checks every stated size against its limits, and the memfd's seals and real size,
/// before it maps anything.
/// </summary>
internal static class SetupRecords
{
    public const int HelloLength = 24;
    public const int AnswerHeaderLength = 8;
    public const int MaxReasonBytes = 200;
    public const int MaxAnswerLength = AnswerHeaderLength + MaxReasonBytes;

    public static void WriteHello(Span<byte> record, int ringCapacity)
    {
        record[..HelloLength].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(record, SegmentLayout.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(record[4..], SegmentLayout.Version);
        BinaryPrimitives.WriteInt32LittleEndian(record[8..], ringCapacity);
        BinaryPrimitives.WriteInt64LittleEndian(record[16..], SegmentLayout.SegmentLength(ringCapacity));
    }

    /// <summary>The ring capacity a hello states, or why the hello is refused.</summary>
    public static string? ReadHello(ReadOnlySpan<byte> record, out int ringCapacity)
    {
        ringCapacity = 0;
        if (record.Length != HelloLength)
        {
            return $"the hello is {record.Length} bytes, not {HelloLength}";
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(record) != SegmentLayout.Magic)
        {
            return "the hello does not start with the shared-memory transport's magic";
        }
        var version = BinaryPrimitives.ReadUInt16LittleEndian(record[4..]);
        if (version != SegmentLayout.Version)
        {
            return $"segment version {version} is not supported (this server speaks {SegmentLayout.Version})";
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(record[6..]) != 0 || BinaryPrimitives.ReadUInt32LittleEndian(record[12..]) != 0)
        {
            return "reserved fields of the hello are not zero";
        }
        var capacity = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
        if (!SegmentLayout.IsValidRingCapacity(capacity))
        {
            return $"a ring of {capacity} bytes is outside the accepted sizes (powers of two, {SegmentLayout.MinRingCapacity} to {SegmentLayout.MaxRingCapacity})";
        }
        var length = BinaryPrimitives.ReadInt64LittleEndian(record[16..]);
        if (length != SegmentLayout.SegmentLength((int)capacity))
        {
            return $"a segment of {length} bytes does not match rings of {capacity} bytes";
        }
        ringCapacity = (int)capacity;
        return null;
    }

    /// <summary>The ring capacity of a hello that <see cref="ReadHello"/> accepted.</summary>
    public static int ReadHelloCapacity(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadInt32LittleEndian(record[8..]);

    public static int WriteAnswer(Span<byte> record, string? refusal)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record, SegmentLayout.Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(record[4..], SegmentLayout.Version);
        BinaryPrimitives.WriteUInt16LittleEndian(record[6..], (ushort)(refusal is null ? 0 : 1));
        if (refusal is null)
        {
            return AnswerHeaderLength;
        }
        var reason = Encoding.UTF8.GetBytes(refusal);
        var length = Math.Min(reason.Length, MaxReasonBytes);
        reason.AsSpan(0, length).CopyTo(record[AnswerHeaderLength..]);
        return AnswerHeaderLength + length;
    }

    /// <summary>Null when the server accepted; else its reason (or why the answer itself is invalid).</summary>
    public static string? ReadAnswer(ReadOnlySpan<byte> record)
    {
        if (record.Length < AnswerHeaderLength || BinaryPrimitives.ReadUInt32LittleEndian(record) != SegmentLayout.Magic)
        {
            return "the server's answer is not a shared-memory transport answer";
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(record[6..]) == 0)
        {
            return null;
        }
        return "the server refused: " + Encoding.UTF8.GetString(record[AnswerHeaderLength..]);
    }
}
