using System.Buffers;
using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>A ring's double mapping as <see cref="Memory{T}"/>, so a message is handed to the caller in
/// place as a <see cref="ReadOnlySequence{T}"/>. One per connection; slicing it allocates nothing.</summary>
internal sealed unsafe class RingMemory : MemoryManager<byte>
{
    private readonly SegmentMapping _mapping; // keeps the addresses alive while any slice is referenced
    private readonly byte* _start;
    private readonly int _length;

    public RingMemory(SegmentMapping mapping, byte* start, int length)
    {
        _mapping = mapping;
        _start = start;
        _length = length;
    }

    public override Span<byte> GetSpan() => new(_start, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_start + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        GC.KeepAlive(_mapping);
    }
}
