using System.Buffers;

namespace Orion.Cuda.Protocol.Buffers;

/// <summary>
/// Presents native memory (pinned staging, a caller's fixed buffer) as <see cref="Memory{T}"/> so
/// the transport's bulk path can read into or write from it without a copy. Reusable: point it at a
/// new range with <see cref="Reset"/> once the previous transfer has completed.
/// </summary>
public sealed unsafe class NativeMemoryManager : MemoryManager<byte>
{
    private byte* _pointer;
    private int _length;

    public void Reset(nint address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _pointer = (byte*)address;
        _length = length;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        _pointer = null;
        _length = 0;
    }
}
