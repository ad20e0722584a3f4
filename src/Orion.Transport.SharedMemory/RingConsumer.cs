using System.Buffers;
using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>The reading end of a ring: hands out what was published, in place, and releases it.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The ring memory owns nothing to dispose: the segment mapping is released by the connection.")]
internal sealed unsafe class RingConsumer : RingEnd
{
    private readonly Action _wakePeerBySocket;
    private readonly RingMemory _memory;
    /// <summary>This side's own copy of the reader's position (only this side moves it).</summary>
    private long _read;

    public RingConsumer(SegmentMapping mapping, int ring, Action wakePeerBySocket)
        : base(mapping, ring)
    {
        _wakePeerBySocket = wakePeerBySocket;
        _read = Volatile.Read(ref *ReadIndex);
        _memory = new RingMemory(mapping, Data, 2 * Capacity);
    }

    public long Position => _read;

    /// <summary>Bytes published and not yet released.</summary>
    public long Available => Used(_read, Volatile.Read(ref *WriteIndex));

    /// <summary>The published bytes from position <paramref name="from"/> (at or after the reader's), in place.</summary>
    public ReadOnlySequence<byte> Published(out long from)
    {
        from = _read;
        var available = Available;
        return new ReadOnlySequence<byte>(_memory.Memory.Slice((int)(_read & Mask), (int)available));
    }

    /// <summary>Copies up to <paramref name="destination"/>'s length of what is published and releases it.</summary>
    public int CopyOut(Span<byte> destination)
    {
        var count = (int)Math.Min(destination.Length, Available);
        if (count > 0)
        {
            new ReadOnlySpan<byte>(Data + (_read & Mask), count).CopyTo(destination);
            Release(_read + count);
        }
        return count;
    }

    /// <summary>Gives the bytes before <paramref name="position"/> back to the writer, waking it if it waits for room.</summary>
    public void Release(long position)
    {
        if (position == _read)
        {
            return;
        }
        _read = position;
        Interlocked.Exchange(ref *ReadIndex, position); // full fence: see RingProducer.Publish
        WakeIfWaiting(ProducerWaiting, SpaceSignal, _wakePeerBySocket);
    }

    /// <summary>The futex word to sleep on and its value now, read before arming (so a wake-up after
    /// the arming changes it and the sleep returns at once).</summary>
    public uint DataSignalValue => Volatile.Read(ref *DataSignal);

    /// <summary>Announces how this side sleeps until data comes (<see cref="RingWaiters"/>); the caller
    /// then looks at <see cref="Available"/> once more before it sleeps.</summary>
    public void Arm(uint how) => Interlocked.Or(ref *ConsumerWaiting, how);

    /// <summary>Sleeps on the data futex while it still reads <paramref name="seen"/>, at most <paramref name="nanoseconds"/>.</summary>
    public void SleepUntilSignalled(uint seen, long nanoseconds) => LinuxMethods.FutexWait(DataSignal, seen, nanoseconds);

    /// <summary>Wakes this side's own thread asleep on the data futex (a failure, the peer leaving).</summary>
    public void WakeLocalSleeper()
    {
        Interlocked.Increment(ref *DataSignal);
        LinuxMethods.FutexWakeAll(DataSignal);
    }
}
