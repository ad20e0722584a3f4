namespace Orion.Server.Core.Backend;

/// <summary>
/// A copy of a box (<c>cuMemcpy3D_v2</c>): <see cref="Depth"/> slices of <see cref="Height"/> rows of
/// <see cref="WidthBytes"/> bytes, between host memory, device memory and CUDA arrays in any pairing.
/// </summary>
public readonly record struct MemoryCopy3D(CopySide3D Source, CopySide3D Destination, ulong WidthBytes, ulong Height, ulong Depth);

/// <summary>
/// One side of a <see cref="MemoryCopy3D"/>. For <see cref="MemoryLocation.Array"/> the box starts at
/// byte column <see cref="XBytes"/>, row <see cref="Y"/> and slice <see cref="Z"/> of <see cref="Array"/>;
/// for host and device memory it starts at <see cref="Address"/> (offsets already applied, so the
/// position is 0), with <see cref="Pitch"/> bytes between rows and <see cref="Height"/> rows between slices.
/// Host addresses are pinned memory from <see cref="IGpuContext.AllocateHost"/> for stream-ordered copies.
/// </summary>
public readonly record struct CopySide3D(MemoryLocation Location, ulong Address, GpuArrayHandle Array, ulong XBytes, ulong Y, ulong Z, ulong Pitch, ulong Height)
{
    /// <summary>Linear (host or device) memory starting at <paramref name="address"/>.</summary>
    public static CopySide3D Linear(MemoryLocation location, ulong address, ulong pitch, ulong height) =>
        new(location, address, default, 0, 0, 0, pitch, height);

    /// <summary>The element of <paramref name="array"/> at byte column <paramref name="xBytes"/>, row <paramref name="y"/>, slice <paramref name="z"/>.</summary>
    public static CopySide3D InArray(GpuArrayHandle array, ulong xBytes, ulong y, ulong z) =>
        new(MemoryLocation.Array, 0, array, xBytes, y, z, 0, 0);
}
