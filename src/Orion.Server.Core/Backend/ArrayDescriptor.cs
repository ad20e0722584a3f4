namespace Orion.Server.Core.Backend;

/// <summary>
/// The shape of a CUDA array (<c>CUDA_ARRAY3D_DESCRIPTOR</c>): <see cref="Width"/> elements of
/// <see cref="Channels"/> channels of <see cref="Format"/>, <see cref="Height"/> rows (0 for 1D) and
/// <see cref="Depth"/> slices or layers (0 for 1D and 2D); <see cref="Flags"/> are <c>CUDA_ARRAY3D_*</c> bits.
/// </summary>
public readonly record struct ArrayDescriptor(ulong Width, ulong Height, ulong Depth, ArrayFormat Format, uint Channels, uint Flags)
{
    /// <summary><c>CUDA_ARRAY3D_LAYERED</c>.</summary>
    public const uint Layered = 0x01;

    /// <summary><c>CUDA_ARRAY3D_SURFACE_LDST</c>: surface objects may read and write it.</summary>
    public const uint SurfaceLoadStore = 0x02;

    /// <summary><c>CUDA_ARRAY3D_CUBEMAP</c>.</summary>
    public const uint Cubemap = 0x04;

    /// <summary><c>CUDA_ARRAY3D_TEXTURE_GATHER</c>.</summary>
    public const uint TextureGather = 0x08;

    /// <summary>Bytes of one element; 0 when the format or channel count is not valid.</summary>
    public uint ElementBytes => ArrayFormats.ElementBytes(Format, Channels);

    /// <summary>Bytes of one row.</summary>
    public ulong RowBytes => Width * ElementBytes;

    /// <summary>Rows of one slice (a 1D array has one).</summary>
    public ulong Rows => Math.Max(Height, 1);

    /// <summary>Slices (a 1D or 2D array has one).</summary>
    public ulong Slices => Math.Max(Depth, 1);

    /// <summary>Bytes of the whole array; <see cref="ulong.MaxValue"/> when that does not fit.</summary>
    public ulong TotalBytes
    {
        get
        {
            var total = (UInt128)Width * ElementBytes * Rows * Slices;
            return total > ulong.MaxValue ? ulong.MaxValue : (ulong)total;
        }
    }

    /// <summary>True when the box of <paramref name="widthBytes"/> × <paramref name="height"/> × <paramref name="depth"/> at the given position lies inside the array.</summary>
    public bool Contains(ulong xBytes, ulong y, ulong z, ulong widthBytes, ulong height, ulong depth) =>
        xBytes <= RowBytes && widthBytes <= RowBytes - xBytes
        && y <= Rows && height <= Rows - y
        && z <= Slices && depth <= Slices - z;
}
