namespace Orion.Transport.SharedMemory;

/// <summary>
/// Where things are in a connection's segment (one memfd, created by the client):
/// <code>
/// file offset 0          header page (4 KiB): magic, version, ring capacity, then one 256-byte
///                        control block per ring (each field on a cache line of its own)
/// file offset 4096       ring 0 data, client to server (capacity bytes)
/// file offset 4096 + C   ring 1 data, server to client (capacity bytes)
/// </code>
/// Each ring's data is mapped twice, back to back, so that any span of up to its capacity that
/// starts inside the first mapping is contiguous in memory: a frame that wraps round the end of
/// the ring is read and written as one piece (one copy, and a message handed to the caller in place).
/// </summary>
internal static class SegmentLayout
{
    public const int PageSize = 4096;
    public const uint Magic = 0x4D48_534F; // "OSHM"
    public const ushort Version = 1;

    /// <summary>The smallest and largest ring a peer may propose; both powers of two and page multiples.</summary>
    public const int MinRingCapacity = 64 * 1024;
    public const int MaxRingCapacity = 256 * 1024 * 1024;

    public const int ControlBlockOffset = 256;
    public const int ControlBlockSize = 256;

    // Within a control block, one cache line each.
    public const int WriteIndexOffset = 0;
    public const int ReadIndexOffset = 64;
    public const int DataSignalOffset = 128;
    public const int ConsumerWaitingOffset = 132;
    public const int SpaceSignalOffset = 192;
    public const int ProducerWaitingOffset = 196;

    public static long SegmentLength(int ringCapacity) => PageSize + 2L * ringCapacity;

    public static long RingDataFileOffset(int ring, int ringCapacity) => PageSize + (long)ring * ringCapacity;

    /// <summary>Whether <paramref name="capacity"/> is a ring size this transport maps: a power of two
    /// (positions are masked, not divided) and a multiple of the page (it is mapped twice).</summary>
    public static bool IsValidRingCapacity(long capacity)
        => capacity is >= MinRingCapacity and <= MaxRingCapacity && (capacity & (capacity - 1)) == 0;
}
