using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// What precedes each bulk chunk in a session with <see cref="ProtocolFeatures.CompressedChunks"/>, as a bulk transfer of
/// its own (<see cref="Bytes"/> bytes): the chunk's original length (u32, exactly what <see cref="BulkLayout"/> says the
/// chunk holds) and its stored length (u32; 0: the chunk follows as it is, otherwise an LZ4 block of that many bytes,
/// fewer than the original). The receiver checks both before it reads or decompresses anything.
/// </summary>
public readonly record struct ChunkHeader(int OriginalBytes, int StoredBytes)
{
    /// <summary>Size of the header on the wire.</summary>
    public const int Bytes = 8;

    /// <summary>True when the chunk travels as an LZ4 block.</summary>
    public bool IsCompressed => StoredBytes != 0;

    /// <summary>What follows the header: the block, or the chunk as it is.</summary>
    public int PayloadBytes => IsCompressed ? StoredBytes : OriginalBytes;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)OriginalBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], (uint)StoredBytes);
    }

    /// <summary>Reads and checks a header for a chunk that must hold <paramref name="expectedBytes"/> bytes.</summary>
    /// <exception cref="ProtocolException">The lengths disagree with the chunk, or the block would not be smaller than the chunk.</exception>
    public static ChunkHeader Read(ReadOnlySpan<byte> source, int expectedBytes)
    {
        var original = BinaryPrimitives.ReadUInt32LittleEndian(source);
        var stored = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        if (original != (uint)expectedBytes)
        {
            throw new ProtocolException($"malformed chunk header: the chunk holds {expectedBytes} bytes, its header says {original}");
        }
        if (stored >= original)
        {
            throw new ProtocolException($"malformed chunk header: a compressed block of {stored} bytes for a chunk of {original} (a block must be smaller than its chunk)");
        }
        return new ChunkHeader((int)original, (int)stored);
    }

    /// <summary>Decompresses the chunk's LZ4 block into <paramref name="destination"/>, which must be the chunk's size.</summary>
    /// <exception cref="ProtocolException">The block is not LZ4 or does not decode to exactly the chunk.</exception>
    public void Decompress(ReadOnlySpan<byte> block, Span<byte> destination)
    {
        var decoded = LZ4Codec.Decode(block[..StoredBytes], destination[..OriginalBytes]);
        if (decoded != OriginalBytes)
        {
            throw new ProtocolException($"malformed compressed chunk: its {StoredBytes}-byte LZ4 block decodes to {(decoded < 0 ? "nothing valid" : decoded + " bytes")}, not the chunk's {OriginalBytes}");
        }
    }
}
