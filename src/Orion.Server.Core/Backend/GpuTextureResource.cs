namespace Orion.Server.Core.Backend;

/// <summary>
/// What a texture object reads (<c>CUDA_RESOURCE_DESC</c>), with the session's array handle already
/// resolved: an array, or device memory (linear, or pitched 2D) the session owns.
/// </summary>
public readonly record struct GpuTextureResource(TextureResourceKind Kind, GpuArrayHandle Array, ulong Address, ArrayFormat Format, uint Channels,
    ulong Width, ulong Height, ulong Pitch)
{
    public static GpuTextureResource OfArray(GpuArrayHandle array) => new(TextureResourceKind.Array, array, 0, default, 0, 0, 0, 0);

    /// <summary>Linear memory of <paramref name="bytes"/> bytes.</summary>
    public static GpuTextureResource OfLinear(ulong address, ArrayFormat format, uint channels, ulong bytes) =>
        new(TextureResourceKind.Linear, default, address, format, channels, bytes, 0, 0);

    /// <summary>Pitched memory of <paramref name="height"/> rows of <paramref name="width"/> elements, <paramref name="pitch"/> bytes apart.</summary>
    public static GpuTextureResource OfPitch2D(ulong address, ArrayFormat format, uint channels, ulong width, ulong height, ulong pitch) =>
        new(TextureResourceKind.Pitch2D, default, address, format, channels, width, height, pitch);
}

/// <summary>The kinds of texture resource Orion supports (<c>CUresourcetype</c> values).</summary>
public enum TextureResourceKind
{
    Array = 0,
    Linear = 2,
    Pitch2D = 3,
}
