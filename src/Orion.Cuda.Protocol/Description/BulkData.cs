using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol.Description;

/// <summary>The bulk data of one call, as its handler sees it: how big, how it is cut, how much has moved.</summary>
public abstract class BulkData
{
    /// <summary>The layout both sides agreed on through the call's fields and the session's chunk size.</summary>
    public BulkLayout Layout { get; protected set; }

    /// <summary>Bytes moved so far.</summary>
    public ulong Transferred { get; protected set; }

    public ulong Remaining => Layout.TotalBytes - Transferred;

    /// <summary>The size of the next chunk (0 when all has moved).</summary>
    public int NextChunkBytes => Layout.ChunkAt(Transferred);
}
