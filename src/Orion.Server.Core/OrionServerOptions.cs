using Orion.Cuda.Remote.Protocol;
using Orion.Transport;

namespace Orion.Server.Core;

/// <summary>How an <see cref="OrionServer"/> listens and what it offers.</summary>
public sealed class OrionServerOptions
{
    /// <summary>Endpoints to listen on (any scheme the transport factory knows); at least one.</summary>
    public IList<TransportEndpoint> Endpoints { get; } = [];

    /// <summary>Backend device ordinals to expose, in the order clients see them; empty exposes all.</summary>
    public IList<int> Devices { get; } = [];

    /// <summary>The token clients must present in their hello; null or empty accepts any client.</summary>
    public string? AuthToken { get; set; }

    /// <summary>Bulk chunk size for copies and module images (64 KiB .. 64 MiB).</summary>
    public int ChunkBytes { get; set; } = ProtocolLimits.DefaultChunkBytes;

    /// <summary>Transport limits for accepted connections.</summary>
    public TransportOptions TransportOptions { get; set; } = TransportOptions.Default;
}
