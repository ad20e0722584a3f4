using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orion.Cuda.Remote;

/// <summary>
/// One typed kernel argument: a scalar, a device pointer (a <see cref="DeviceBuffer{T}"/>) or a
/// by-value struct. Values up to 16 bytes are held inline, so passing them allocates nothing.
/// </summary>
public readonly struct KernelArgument : IEquatable<KernelArgument>
{
    private const int InlineBytes = 16;
    private readonly ulong _low;
    private readonly ulong _high;
    private readonly byte[]? _large;

    private KernelArgument(ulong low, ulong high, byte[]? large, int size)
    {
        _low = low;
        _high = high;
        _large = large;
        Size = size;
    }

    /// <summary>Bytes the argument occupies; must equal the parameter's size in the kernel's layout.</summary>
    public int Size { get; }

    /// <summary>Any unmanaged value (scalar or struct) by value, as the kernel declares it.</summary>
    public static KernelArgument From<T>(T value) where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        if (size <= InlineBytes)
        {
            Span<ulong> inline = stackalloc ulong[2];
            inline.Clear();
            MemoryMarshal.Write(MemoryMarshal.AsBytes(inline), in value);
            return new KernelArgument(inline[0], inline[1], null, size);
        }
        var bytes = new byte[size];
        MemoryMarshal.Write(bytes, in value);
        return new KernelArgument(0, 0, bytes, size);
    }

    /// <summary>A device pointer.</summary>
    public static KernelArgument FromPointer(ulong address) => new(address, 0, null, 8);

    public static implicit operator KernelArgument(int value) => From(value);

    public static implicit operator KernelArgument(uint value) => From(value);

    public static implicit operator KernelArgument(long value) => From(value);

    public static implicit operator KernelArgument(ulong value) => From(value);

    public static implicit operator KernelArgument(float value) => From(value);

    public static implicit operator KernelArgument(double value) => From(value);

    /// <summary>Writes the argument's bytes into <paramref name="destination"/> (exactly <see cref="Size"/> bytes).</summary>
    public void CopyTo(Span<byte> destination)
    {
        if (_large is not null)
        {
            _large.CopyTo(destination);
            return;
        }
        Span<ulong> inline = [_low, _high];
        MemoryMarshal.AsBytes(inline)[..Size].CopyTo(destination);
    }

    public bool Equals(KernelArgument other) =>
        Size == other.Size && _low == other._low && _high == other._high && ReferenceEquals(_large, other._large);

    public override bool Equals(object? obj) => obj is KernelArgument other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_low, _high, Size);

    public static bool operator ==(KernelArgument left, KernelArgument right) => left.Equals(right);

    public static bool operator !=(KernelArgument left, KernelArgument right) => !left.Equals(right);

    public static KernelArgument FromInt32(int value) => From(value);

    public static KernelArgument FromUInt32(uint value) => From(value);

    public static KernelArgument FromInt64(long value) => From(value);

    public static KernelArgument FromUInt64(ulong value) => From(value);

    public static KernelArgument FromSingle(float value) => From(value);

    public static KernelArgument FromDouble(double value) => From(value);
}
