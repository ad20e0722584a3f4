namespace Orion.Transport.Rdma;

/// <summary>One arrival handed from the progress thread to the receiver, in wire order.</summary>
/// <param name="Kind">What arrived.</param>
/// <param name="Index">The receive buffer (Message, Bulk, MessageStart, BulkStart) or slot (Chunk) holding the bytes.</param>
/// <param name="Length">Payload bytes in that buffer or slot, or the total of a transfer.</param>
/// <param name="Staged">For a staged transfer: the pooled array holding all of it.</param>
internal readonly record struct IncomingItem(IncomingKind Kind, int Index, long Length, byte[]? Staged = null);

internal enum IncomingKind : byte
{
    Message,
    MessageStart,
    BulkStart,
    Chunk,
    Closed,
    /// <summary>A large message the progress thread already copied out of the slots.</summary>
    StagedMessage,
    /// <summary>A bulk transfer the progress thread already copied out of the slots.</summary>
    StagedBulk,
    /// <summary>A whole bulk transfer in one receive buffer (a small <c>SendBulkAsync</c>).</summary>
    Bulk,
}
