using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// A reusable, growable little-endian message buffer (pooled array): one per sender, cleared after
/// each send, so steady-state encoding allocates nothing.
/// </summary>
public sealed class ProtocolWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public ProtocolWriter(int initialCapacity = 4096)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>A u16-length-prefixed UTF-8 string; throws when it is longer than <paramref name="maxBytes"/>.</summary>
    public void WriteString(string value, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(value);
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > maxBytes || length > ushort.MaxValue)
        {
            throw new ArgumentException($"'{value[..Math.Min(40, value.Length)]}…' is {length} bytes; the limit is {maxBytes}.", nameof(value));
        }
        WriteUInt16((ushort)length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
    }

    /// <summary>A u32-length-prefixed byte field.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>Raw bytes with no prefix.</summary>
    public void WriteSpan(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    /// <summary>Space for <paramref name="count"/> bytes at the end; the caller fills it.</summary>
    public Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Grow(count);
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    /// <summary>Overwrites a u32 written earlier (a record's body length, known once the body is written).</summary>
    public void PatchUInt32(int offset, uint value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(offset, 4), value);

    private void Grow(int needed)
    {
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + needed));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
