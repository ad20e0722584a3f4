using System.Buffers.Binary;
using System.Text;

namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// Reads little-endian protocol fields from a received message. Every read checks the remaining
/// length first and throws <see cref="ProtocolException"/> instead of reading past the end; every
/// length-prefixed field is checked against its limit before anything is allocated.
/// </summary>
public ref struct ProtocolReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public ProtocolReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Remaining => _buffer.Length - _position;

    public readonly int Position => _position;

    public readonly bool IsAtEnd => _position == _buffer.Length;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    /// <summary>One byte, 0 or 1; anything else is malformed.</summary>
    public bool ReadBoolean() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var other => throw new ProtocolException($"boolean field holds {other}, not 0 or 1"),
    };

    /// <summary>A u16-length-prefixed UTF-8 string of at most <paramref name="maxBytes"/> bytes.</summary>
    public string ReadString(int maxBytes)
    {
        var length = ReadUInt16();
        if (length > maxBytes)
        {
            throw new ProtocolException($"string of {length} bytes exceeds the limit of {maxBytes}");
        }
        return Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>A u32-length-prefixed byte field of at most <paramref name="maxBytes"/>, as a view into the message.</summary>
    public ReadOnlySpan<byte> ReadBytes(int maxBytes)
    {
        var length = ReadUInt32();
        if (length > (uint)maxBytes)
        {
            throw new ProtocolException($"byte field of {length} bytes exceeds the limit of {maxBytes}");
        }
        return Take((int)length);
    }

    /// <summary>Exactly <paramref name="count"/> raw bytes.</summary>
    public ReadOnlySpan<byte> ReadSpan(int count) => Take(count);

    /// <summary>Throws unless every byte was consumed: a record with trailing bytes is malformed.</summary>
    public readonly void ExpectEnd(string what)
    {
        if (!IsAtEnd)
        {
            throw new ProtocolException($"{what}: {Remaining} unexpected trailing bytes");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new ProtocolException($"truncated message: needed {count} bytes at offset {_position}, {Remaining} left");
        }
        var slice = _buffer.Slice(_position, count);
        _position += count;
        return slice;
    }
}
