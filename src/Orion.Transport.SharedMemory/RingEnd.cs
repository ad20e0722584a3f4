using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// One side's view of one ring of the segment: the control block's words and the doubly mapped data
/// (<see cref="SegmentLayout"/>). Positions are byte counts since the connection began (64-bit, never
/// wrap); position <c>p</c> lives at <c>data + (p &amp; (capacity - 1))</c>, and thanks to the double
/// mapping the next <c>capacity</c> bytes from there are contiguous.
/// </summary>
/// <remarks>
/// Both words the peer writes are read back checked: the writer's position may be at most
/// <c>capacity</c> ahead of the reader's and never behind it. A peer that scribbles on them ends the
/// connection with <see cref="TransportError.ProtocolViolation"/>, never an out-of-bounds access.
/// </remarks>
internal abstract unsafe class RingEnd
{
    protected RingEnd(SegmentMapping mapping, int ring)
    {
        Mapping = mapping;
        Capacity = mapping.RingCapacity;
        Mask = Capacity - 1;
        Data = mapping.RingData(ring);
        var control = mapping.ControlBlock(ring);
        WriteIndex = (long*)(control + SegmentLayout.WriteIndexOffset);
        ReadIndex = (long*)(control + SegmentLayout.ReadIndexOffset);
        DataSignal = (uint*)(control + SegmentLayout.DataSignalOffset);
        ConsumerWaiting = (uint*)(control + SegmentLayout.ConsumerWaitingOffset);
        SpaceSignal = (uint*)(control + SegmentLayout.SpaceSignalOffset);
        ProducerWaiting = (uint*)(control + SegmentLayout.ProducerWaitingOffset);
    }

    /// <summary>Kept for its lifetime: the pointers below stay valid while this object is reachable.</summary>
    protected SegmentMapping Mapping { get; }

    public int Capacity { get; }

    protected long Mask { get; }

    protected byte* Data { get; }

    protected long* WriteIndex { get; }

    protected long* ReadIndex { get; }

    protected uint* DataSignal { get; }

    protected uint* ConsumerWaiting { get; }

    protected uint* SpaceSignal { get; }

    protected uint* ProducerWaiting { get; }

    /// <summary>Bytes between the two positions, checked against the ring's bounds.</summary>
    protected long Used(long read, long write)
    {
        var used = write - read;
        if ((ulong)used > (ulong)Capacity)
        {
            throw new TransportException(TransportError.ProtocolViolation,
                $"The shared ring's positions are inconsistent (reader at {read}, writer at {write}, capacity {Capacity}): the peer corrupted the segment.");
        }
        return used;
    }

    /// <summary>Wakes whoever waits on <paramref name="waitingWord"/> (a futex on <paramref name="signal"/>,
    /// or a socket wake-up through <paramref name="wakeBySocket"/>), if anyone armed it. The caller has
    /// just published a position with a full fence, so a waiter that armed before that is seen here.</summary>
    protected static void WakeIfWaiting(uint* waitingWord, uint* signal, Action wakeBySocket)
    {
        if (Volatile.Read(ref *waitingWord) == 0)
        {
            return;
        }
        var waiters = Interlocked.Exchange(ref *waitingWord, 0);
        if ((waiters & RingWaiters.OnFutex) != 0)
        {
            Interlocked.Increment(ref *signal);
            LinuxMethods.FutexWakeAll(signal);
        }
        if ((waiters & RingWaiters.OnSocket) != 0)
        {
            wakeBySocket();
        }
    }
}
