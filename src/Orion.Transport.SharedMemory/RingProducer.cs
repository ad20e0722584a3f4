using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>The writing end of a ring: copies bytes in at the writer's position and publishes them.</summary>
internal sealed unsafe class RingProducer : RingEnd
{
    private readonly Action _wakePeerBySocket;
    /// <summary>This side's own copy of the writer's position (only this side moves it).</summary>
    private long _written;

    public RingProducer(SegmentMapping mapping, int ring, Action wakePeerBySocket)
        : base(mapping, ring)
    {
        _wakePeerBySocket = wakePeerBySocket;
        _written = Volatile.Read(ref *WriteIndex);
    }

    /// <summary>Bytes that can be written now without waiting for the reader.</summary>
    public long Free => Capacity - Used(Volatile.Read(ref *ReadIndex), _written);

    /// <summary>Copies as much of <paramref name="source"/> as fits, without publishing it; returns how much.</summary>
    public int CopyIn(ReadOnlySpan<byte> source)
    {
        var count = (int)Math.Min(source.Length, Free);
        if (count > 0)
        {
            source[..count].CopyTo(new Span<byte>(Data + (_written & Mask), count));
            _written += count;
        }
        return count;
    }

    /// <summary>Makes what was copied in visible to the reader and wakes it if it sleeps.</summary>
    public void Publish()
    {
        // A full fence between publishing the position and reading the reader's waiting word
        // (Interlocked.Exchange): the reader arms that word, then reads the position, the same way
        // round, so one of the two always sees the other.
        Interlocked.Exchange(ref *WriteIndex, _written);
        WakeIfWaiting(ConsumerWaiting, DataSignal, _wakePeerBySocket);
    }

    /// <summary>Announces that this side waits for room by a socket wake-up; true when there is room
    /// after all (the announcement raced the reader), so the caller need not wait.</summary>
    public bool ArmSocketWait()
    {
        Interlocked.Or(ref *ProducerWaiting, RingWaiters.OnSocket);
        return Free > 0;
    }
}
