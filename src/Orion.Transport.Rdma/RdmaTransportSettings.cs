namespace Orion.Transport.Rdma;

/// <summary>
/// Sizes of the RDMA transport's registered pools and queues. Every connection registers, once:
/// <see cref="ReceiveBufferCount"/> x <see cref="ReceiveBufferSize"/> for SENDs (one MR),
/// <see cref="SlotCount"/> x <see cref="SlotSize"/> that the peer RDMA-writes bulk chunks into (one MR),
/// and <see cref="SendBufferCount"/> x the peer's receive-buffer size for outgoing small messages (one MR).
/// </summary>
public sealed record RdmaTransportSettings
{
    /// <summary>Receives kept posted; also the number of SEND/WRITE-with-immediate credits the peer gets.</summary>
    public int ReceiveBufferCount { get; init; } = 32;

    /// <summary>Largest SEND (16-byte header included); bigger messages go by RDMA WRITE into slots.</summary>
    public int ReceiveBufferSize { get; init; } = 4096;

    /// <summary>Registered buffers that small outgoing messages are copied into.</summary>
    public int SendBufferCount { get; init; } = 32;

    /// <summary>Bulk slots granted to the peer; each is one chunk of a large message or bulk transfer in flight.</summary>
    public int SlotCount { get; init; } = 4;

    /// <summary>Bytes per slot, i.e. per RDMA WRITE with immediate.</summary>
    public int SlotSize { get; init; } = 256 * 1024;

    /// <summary>Send-queue depth; one completion is requested every quarter of it (selective signalling).</summary>
    public int SendQueueDepth { get; init; } = 128;

    /// <summary>Inline-data size asked of the device; frames that fit skip the registered copy.</summary>
    public int MaxInlineData { get; init; } = 128;

    /// <summary>How long the progress loop spins on the CQ after activity before it sleeps on the completion channel.</summary>
    public TimeSpan BusyPollDuration { get; init; } = TimeSpan.FromMicroseconds(20);

    /// <summary>Registrations of large native (non-GC) user buffers kept for reuse.</summary>
    public int RegistrationCacheCapacity { get; init; } = 32;

    public static RdmaTransportSettings Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values outside what the wire format and pools allow.</summary>
    public void Validate()
    {
        Check(ReceiveBufferCount, 4, 4096, nameof(ReceiveBufferCount));
        Check(ReceiveBufferSize, 64, 1 << 20, nameof(ReceiveBufferSize));
        Check(SendBufferCount, 1, 4096, nameof(SendBufferCount));
        Check(SlotCount, 1, 1024, nameof(SlotCount));
        Check(SlotSize, 4096, 64 << 20, nameof(SlotSize));
        Check(SendQueueDepth, 8, 16384, nameof(SendQueueDepth));
        Check(MaxInlineData, 0, 1024, nameof(MaxInlineData));
        Check(RegistrationCacheCapacity, 0, 4096, nameof(RegistrationCacheCapacity));
        ArgumentOutOfRangeException.ThrowIfNegative(BusyPollDuration.Ticks, nameof(BusyPollDuration));
    }

    private static void Check(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be within [{min}, {max}].");
        }
    }
}
