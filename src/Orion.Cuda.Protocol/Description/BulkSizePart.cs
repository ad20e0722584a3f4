namespace Orion.Cuda.Protocol.Description;

/// <summary>Which part of a bulk size a parameter gives.</summary>
public enum BulkSizePart
{
    /// <summary>All the bytes, contiguous.</summary>
    Bytes = 1,
    /// <summary>The bytes of one row of a 2D transfer.</summary>
    RowBytes = 2,
    /// <summary>The rows of a 2D transfer.</summary>
    Rows = 3,
}
