namespace Orion.Cuda.Remote;

/// <summary>The size of a box copy: <see cref="Depth"/> slices of <see cref="Height"/> rows of <see cref="WidthBytes"/> bytes.</summary>
public readonly record struct CopyExtent(ulong WidthBytes, ulong Height = 1, ulong Depth = 1)
{
    /// <summary>Nothing moves.</summary>
    public bool IsEmpty => WidthBytes == 0 || Height == 0 || Depth == 0;
}
