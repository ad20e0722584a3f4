using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Protocol;

/// <summary>What a texture object reads (<c>CUDA_RESOURCE_DESC</c>), as it travels.</summary>
/// <param name="Kind">A <c>CUresourcetype</c>: 0 an array, 2 linear memory, 3 pitched 2D memory (1, a mipmapped array, is not supported).</param>
/// <param name="Array">For an array: the session's array handle.</param>
/// <param name="Address">For linear and pitched memory: the device address of the first element.</param>
/// <param name="Format">For linear and pitched memory: the element format (a <c>CUarray_format</c> value).</param>
/// <param name="Channels">For linear and pitched memory: channels per element (1, 2 or 4).</param>
/// <param name="Width">Linear memory: its size in bytes. Pitched memory: its width in elements.</param>
/// <param name="Height">Pitched memory: its height in rows.</param>
/// <param name="Pitch">Pitched memory: bytes from one row to the next.</param>
public readonly record struct TextureResource(
    uint Kind, ulong Array, ulong Address, uint Format, uint Channels, ulong Width, ulong Height, ulong Pitch) : IWireValue<TextureResource>
{
    /// <summary><c>CU_RESOURCE_TYPE_ARRAY</c>.</summary>
    public const uint ArrayKind = 0;

    /// <summary><c>CU_RESOURCE_TYPE_MIPMAPPED_ARRAY</c> (refused).</summary>
    public const uint MipmappedArrayKind = 1;

    /// <summary><c>CU_RESOURCE_TYPE_LINEAR</c>.</summary>
    public const uint LinearKind = 2;

    /// <summary><c>CU_RESOURCE_TYPE_PITCH2D</c>.</summary>
    public const uint Pitch2DKind = 3;

    public static int WireBytes => 52;

    public static TextureResource Read(ref ProtocolReader reader) => new(reader.ReadUInt32(), reader.ReadUInt64(), reader.ReadUInt64(),
        reader.ReadUInt32(), reader.ReadUInt32(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64());

    public void Write(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(Kind);
        writer.WriteUInt64(Array);
        writer.WriteUInt64(Address);
        writer.WriteUInt32(Format);
        writer.WriteUInt32(Channels);
        writer.WriteUInt64(Width);
        writer.WriteUInt64(Height);
        writer.WriteUInt64(Pitch);
    }
}
