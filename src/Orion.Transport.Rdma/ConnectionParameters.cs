using System.Buffers.Binary;

namespace Orion.Transport.Rdma;

/// <summary>
/// What each side tells the other in the rdma_cm private data (32 bytes, little-endian): magic
/// "ORDM", version, its receive-buffer count and size (the peer's SEND credits and limit), and its
/// slot region (count, size, rkey, address) that the peer RDMA-writes bulk chunks into.
/// </summary>
internal readonly record struct ConnectionParameters(int ReceiveBufferCount, int ReceiveBufferSize, int SlotCount, int SlotSize, uint SlotKey, ulong SlotAddress)
{
    public const int Size = 32;
    public const uint Magic = 0x4D44524F; // "ORDM"
    public const ushort Version = 1;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], (ushort)ReceiveBufferCount);
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], ReceiveBufferSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[12..], (ushort)SlotCount);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[14..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], SlotSize);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[20..], SlotKey);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], SlotAddress);
    }

    /// <summary>Parses and range-checks the peer's parameters (same ranges as <see cref="RdmaTransportSettings.Validate"/>).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out ConnectionParameters parameters, out string error)
    {
        parameters = default;
        if (source.Length < Size || BinaryPrimitives.ReadUInt32LittleEndian(source) != Magic)
        {
            error = "the peer is not an Orion RDMA endpoint (bad connection parameters)";
            return false;
        }
        var version = BinaryPrimitives.ReadUInt16LittleEndian(source[4..]);
        if (version != Version)
        {
            error = $"the peer speaks RDMA transport version {version}, this side {Version}";
            return false;
        }
        parameters = new ConnectionParameters(
            BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[12..]),
            BinaryPrimitives.ReadInt32LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[20..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]));
        if (parameters.ReceiveBufferCount is < 4 or > 4096 || parameters.ReceiveBufferSize is < 64 or > 1 << 20
            || parameters.SlotCount is < 1 or > 1024 || parameters.SlotSize is < 4096 or > 64 << 20)
        {
            error = "the peer's connection parameters are out of range";
            return false;
        }
        error = "";
        return true;
    }
}
