namespace Orion.Transport.Rdma;

/// <summary>One arrival handed from the progress thread to the receiver, in wire order.</summary>
/// <param name="Kind">Message, MessageStart or BulkStart (a receive buffer), Chunk (a slot) or Closed.</param>
/// <param name="Index">The receive buffer or slot holding the bytes.</param>
/// <param name="Length">Payload bytes in that buffer or slot, or the total announced by a start frame.</param>
internal readonly record struct IncomingItem(IncomingKind Kind, int Index, long Length);

internal enum IncomingKind : byte
{
    Message,
    MessageStart,
    BulkStart,
    Chunk,
    Closed,
}
