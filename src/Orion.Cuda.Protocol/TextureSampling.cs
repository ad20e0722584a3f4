using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol;

/// <summary>
/// How a texture object samples (<c>CUDA_TEXTURE_DESC</c>), as it travels: the driver's values,
/// unchanged (the driver, or the emulated device, judges them).
/// </summary>
/// <param name="AddressModeX">A <c>CUaddress_mode</c> for the first coordinate: 0 wrap, 1 clamp, 2 mirror, 3 border.</param>
/// <param name="AddressModeY">The same for the second coordinate.</param>
/// <param name="AddressModeZ">The same for the third coordinate.</param>
/// <param name="FilterMode">A <c>CUfilter_mode</c>: 0 point, 1 linear.</param>
/// <param name="Flags"><c>CU_TRSF_*</c> bits (1 read as integer, 2 normalised coordinates, ...).</param>
/// <param name="MaxAnisotropy">Between 1 and 16.</param>
/// <param name="MipmapFilterMode">A <c>CUfilter_mode</c> between mipmap levels.</param>
/// <param name="MipmapLevelBias">Offset added to the mipmap level.</param>
/// <param name="MinMipmapLevelClamp">Lowest mipmap level used.</param>
/// <param name="MaxMipmapLevelClamp">Highest mipmap level used.</param>
/// <param name="BorderColor">The colour of the border address mode (red, green, blue, alpha).</param>
public readonly record struct TextureSampling(
    uint AddressModeX, uint AddressModeY, uint AddressModeZ, uint FilterMode, uint Flags, uint MaxAnisotropy, uint MipmapFilterMode,
    float MipmapLevelBias, float MinMipmapLevelClamp, float MaxMipmapLevelClamp, BorderColor BorderColor) : IWireValue<TextureSampling>
{
    /// <summary><c>CU_TRSF_READ_AS_INTEGER</c>.</summary>
    public const uint ReadAsInteger = 0x01;

    /// <summary><c>CU_TRSF_NORMALIZED_COORDINATES</c>.</summary>
    public const uint NormalizedCoordinates = 0x02;

    public static int WireBytes => 56;

    public static TextureSampling Read(ref ProtocolReader reader) => new(reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(),
        reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(),
        new BorderColor(reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle()));

    public void Write(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(AddressModeX);
        writer.WriteUInt32(AddressModeY);
        writer.WriteUInt32(AddressModeZ);
        writer.WriteUInt32(FilterMode);
        writer.WriteUInt32(Flags);
        writer.WriteUInt32(MaxAnisotropy);
        writer.WriteUInt32(MipmapFilterMode);
        writer.WriteSingle(MipmapLevelBias);
        writer.WriteSingle(MinMipmapLevelClamp);
        writer.WriteSingle(MaxMipmapLevelClamp);
        writer.WriteSingle(BorderColor.Red);
        writer.WriteSingle(BorderColor.Green);
        writer.WriteSingle(BorderColor.Blue);
        writer.WriteSingle(BorderColor.Alpha);
    }
}

/// <summary>A texture's border colour (<c>CUDA_TEXTURE_DESC.borderColor</c>).</summary>
public readonly record struct BorderColor(float Red, float Green, float Blue, float Alpha);
