namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// How a call's bulk data is cut into chunks, the same on both sides (a transport may deliver each
/// chunk as one message): contiguous data in chunks of <see cref="ChunkBytes"/>; 2D data (more than
/// one row) in groups of whole rows, as many as fit a chunk, rows packed.
/// </summary>
public readonly record struct BulkLayout(ulong RowBytes, ulong Rows, int ChunkBytes)
{
    /// <summary>Contiguous data of <paramref name="bytes"/>.</summary>
    public static BulkLayout Contiguous(ulong bytes, int chunkBytes) => new(bytes, 1, chunkBytes);

    /// <summary>
    /// <paramref name="rows"/> rows of <paramref name="rowBytes"/> (a 2D transfer, whatever its height).
    /// A row must fit one chunk: the client splits wider rows into column bands, so a wider one is malformed.
    /// </summary>
    /// <exception cref="ProtocolException">A row is wider than a chunk.</exception>
    public static BulkLayout ForRows(ulong rowBytes, ulong rows, int chunkBytes) =>
        rowBytes <= (ulong)chunkBytes
            ? new(rowBytes, rows, chunkBytes)
            : throw new ProtocolException($"2D data with rows of {rowBytes} bytes; the client splits rows wider than the {chunkBytes}-byte chunk");

    public ulong TotalBytes => RowBytes * Rows;

    /// <summary>Rows per chunk of 2D data (at least one: rows wider than a chunk are the client's to split).</summary>
    public ulong RowsPerChunk => Rows <= 1 || RowBytes == 0 ? 1 : Math.Max(1UL, (ulong)ChunkBytes / RowBytes);

    /// <summary>The size of the chunk that starts <paramref name="offset"/> bytes in (0 at the end).</summary>
    public int ChunkAt(ulong offset)
    {
        if (offset >= TotalBytes)
        {
            return 0;
        }
        if (Rows <= 1)
        {
            return (int)Math.Min((ulong)ChunkBytes, TotalBytes - offset);
        }
        var rowsLeft = Rows - (offset / RowBytes);
        return checked((int)(Math.Min(RowsPerChunk, rowsLeft) * RowBytes));
    }
}
