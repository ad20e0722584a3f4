namespace Orion.Cuda.Protocol;

/// <summary>
/// The element format of a CUDA array or texture (<c>CUarray_format</c>, with the driver's values):
/// the eight classic formats, one to four channels each. Newer formats (normalised, block-compressed,
/// planar video) are refused by the clients before they reach the wire.
/// </summary>
public enum ArrayFormat : uint
{
    UnsignedInt8 = 0x01,
    UnsignedInt16 = 0x02,
    UnsignedInt32 = 0x03,
    SignedInt8 = 0x08,
    SignedInt16 = 0x09,
    SignedInt32 = 0x0a,
    Half = 0x10,
#pragma warning disable CA1720 // the driver's name (CU_AD_FORMAT_FLOAT)
    Float = 0x20,
#pragma warning restore CA1720
}

/// <summary>Sizes of <see cref="ArrayFormat"/> values.</summary>
public static class ArrayFormats
{
    /// <summary>Bytes of one channel of <paramref name="format"/>; 0 for a value that is not a format.</summary>
    public static uint ChannelBytes(ArrayFormat format) => format switch
    {
        ArrayFormat.UnsignedInt8 or ArrayFormat.SignedInt8 => 1,
        ArrayFormat.UnsignedInt16 or ArrayFormat.SignedInt16 or ArrayFormat.Half => 2,
        ArrayFormat.UnsignedInt32 or ArrayFormat.SignedInt32 or ArrayFormat.Float => 4,
        _ => 0,
    };

    /// <summary>Bytes of one element (all its channels); 0 when the format or the channel count (1, 2 or 4) is not valid.</summary>
    public static uint ElementBytes(ArrayFormat format, uint channels) =>
        channels is 1 or 2 or 4 ? ChannelBytes(format) * channels : 0;
}
