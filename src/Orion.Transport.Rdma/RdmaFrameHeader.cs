using System.Buffers.Binary;

namespace Orion.Transport.Rdma;

/// <summary>
/// The 16-byte header of every SEND on an RDMA queue pair (the byte-stream transports have their
/// own, <c>StreamFrameHeader</c>), little-endian: kind (u8), reserved (u8, 0), receive credits
/// returned (u16), slot credits returned (u16), reserved (u16, 0), length (i64: payload bytes in
/// this SEND for <see cref="RdmaFrameKind.Message"/>, total bytes to follow for the start frames).
/// </summary>
internal readonly record struct RdmaFrameHeader(RdmaFrameKind Kind, ushort ReceiveCredits, ushort SlotCredits, long Length)
{
    public const int Size = 16;

    public void Write(Span<byte> destination)
    {
        destination[0] = (byte)Kind;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], ReceiveCredits);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], SlotCredits);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Length);
    }

    /// <summary>Parses and checks the fixed parts; the caller checks lengths against its limits.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out RdmaFrameHeader header, out string error)
    {
        header = default;
        if (source.Length < Size)
        {
            error = $"a SEND of {source.Length} bytes is shorter than the {Size}-byte frame header";
            return false;
        }
        var kind = (RdmaFrameKind)source[0];
        if (kind is < RdmaFrameKind.Message or > RdmaFrameKind.Bulk || source[1] != 0 || BinaryPrimitives.ReadUInt16LittleEndian(source[6..]) != 0)
        {
            error = $"invalid frame header (kind {source[0]})";
            return false;
        }
        header = new RdmaFrameHeader(kind, BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[4..]), BinaryPrimitives.ReadInt64LittleEndian(source[8..]));
        if (header.Length < 0)
        {
            error = "negative frame length";
            return false;
        }
        error = "";
        return true;
    }
}
