using Microsoft.Extensions.Logging;

namespace Orion.Transport.SharedMemory;

/// <summary>Settings of the shared-memory transport beyond <see cref="TransportOptions"/>.</summary>
public sealed record SharedMemoryTransportSettings
{
    /// <summary>The environment variable naming the directory of <c>shm://host:port</c> sockets.</summary>
    public const string SocketDirectoryVariable = "ORION_SHM_DIR";

    /// <summary>Where <c>shm://host:port</c> sockets live when <see cref="SocketDirectoryVariable"/> is not set.</summary>
    public const string DefaultSocketDirectory = "/tmp/orion";

    /// <summary>Bytes of each direction's ring (the client proposes it; the server accepts powers of two from
    /// 64 KiB to 256 MiB). Frames up to this size are read in place; larger ones stream through.</summary>
    public int RingCapacity { get; init; } = 4 * 1024 * 1024;

    /// <summary>The directory of <c>shm://host:port</c> endpoints' sockets (<c>orion-PORT.sock</c>);
    /// null: <see cref="SocketDirectoryVariable"/>, else <see cref="DefaultSocketDirectory"/>.</summary>
    public string? SocketDirectory { get; init; }

    /// <summary>Permissions given to a listener's socket file (who may connect); null leaves the process's umask.</summary>
    public UnixFileMode? SocketPermissions { get; init; }

    /// <summary>User ids a listener accepts connections from (SO_PEERCRED); null accepts anyone the socket's
    /// permissions let in. Every peer's pid, uid and gid are logged either way.</summary>
    public IReadOnlySet<uint>? AllowedPeerUserIds { get; init; }

    /// <summary>The largest shared region (<see cref="ISharedMemoryRegions"/>) this side creates or maps.</summary>
    public long MaxRegionLength { get; init; } = 64L * 1024 * 1024 * 1024;

    /// <summary>Regions the peer may have handed over and this side not yet opened.</summary>
    public int MaxPendingRegions { get; init; } = 64;

    public ILogger? Logger { get; init; }

    /// <summary>The directory in effect for <c>shm://host:port</c> endpoints.</summary>
    public string EffectiveSocketDirectory
        => SocketDirectory ?? (Environment.GetEnvironmentVariable(SocketDirectoryVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : DefaultSocketDirectory);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values the transport cannot use.</summary>
    public void Validate()
    {
        if (!SegmentLayout.IsValidRingCapacity(RingCapacity))
        {
            throw new ArgumentOutOfRangeException(nameof(RingCapacity), RingCapacity,
                $"The ring capacity must be a power of two from {SegmentLayout.MinRingCapacity} to {SegmentLayout.MaxRingCapacity} bytes.");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRegionLength);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxPendingRegions);
    }
}
