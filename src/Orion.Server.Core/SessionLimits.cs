namespace Orion.Server.Core;

/// <summary>
/// What one session may hold at once. Every limit is checked before the device is asked, and a call
/// past one is refused with <c>CUDA_ERROR_OUT_OF_MEMORY</c>, as the driver refuses what does not fit, so
/// a tenant cannot take what others need. The same limits reach sessions in worker processes.
/// </summary>
public sealed record SessionLimits
{
    /// <summary>The default limits: no memory quota (the card's memory), generous counts.</summary>
    public static SessionLimits Default { get; } = new();

    /// <summary>
    /// Bytes of device memory a session may hold on each device: its allocations (plain, pitched,
    /// stream-ordered, from pools), physical allocations of the virtual memory API and arrays, as
    /// asked for (pitched ones as laid out). The session also sees this as its device's memory:
    /// <c>cuMemGetInfo</c>'s total, the device's total memory and NVML's. Null: no quota. Not
    /// counted: the context's own memory and module images, which the driver allocates itself.
    /// </summary>
    public ulong? MemoryQuotaBytes { get; init; }

    /// <summary>Device allocations (each plain, pitched, stream-ordered or pool allocation) held at once.</summary>
    public int MaxAllocations { get; init; } = 1 << 20;

    /// <summary>Streams created and not destroyed.</summary>
    public int MaxStreams { get; init; } = 1 << 14;

    /// <summary>Events created and not destroyed.</summary>
    public int MaxEvents { get; init; } = 1 << 20;

    /// <summary>Modules loaded and not unloaded.</summary>
    public int MaxModules { get; init; } = 1 << 16;

    /// <summary>Bytes of one module image (fatbin, cubin, PTX) a session may load: the image is buffered on the server
    /// before the driver reads it, so this bounds the host memory one load takes. Checked before anything is buffered
    /// (a larger load is refused with <c>CUDA_ERROR_OUT_OF_MEMORY</c>, its data dropped). At most the protocol's
    /// limit, 512 MiB (the default).</summary>
    public long MaxModuleImageBytes { get; init; } = Orion.Cuda.Protocol.Wire.ProtocolLimits.MaxModuleImageBytes;

    /// <summary>The largest message a connection may send before it has authenticated (its hello; in process isolation
    /// also the hello with a worker ticket). Lower than the transport's <c>MaxMessageSize</c> (16 MiB), so a peer that
    /// has not authenticated cannot make the server reserve a large buffer: a frame announcing more ends the connection
    /// when its header is read, before anything is allocated for it. Default 64 KiB (a hello is at most a few KiB);
    /// at least 4 KiB.</summary>
    public int MaxUnauthenticatedMessageBytes { get; init; } = DefaultMaxUnauthenticatedMessageBytes;

    /// <summary>The default of <see cref="MaxUnauthenticatedMessageBytes"/>: 64 KiB.</summary>
    public const int DefaultMaxUnauthenticatedMessageBytes = 64 * 1024;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for limits no session could work under.</summary>
    public void Validate()
    {
        if (MemoryQuotaBytes is 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MemoryQuotaBytes), "A memory quota of 0 bytes leaves a session nothing.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAllocations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStreams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEvents, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxModules, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxModuleImageBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxModuleImageBytes, Orion.Cuda.Protocol.Wire.ProtocolLimits.MaxModuleImageBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxUnauthenticatedMessageBytes, 4096);
    }
}
