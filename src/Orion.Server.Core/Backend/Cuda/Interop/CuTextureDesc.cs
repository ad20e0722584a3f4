using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUDA_TEXTURE_DESC</c> as passed to <c>cuTexObjectCreate</c>: three address modes, the filter
/// mode, flags, maximum anisotropy, the mipmap filter mode, three mipmap floats, the border colour and
/// twelve reserved ints. 104 bytes; a unit test pins the size and offsets.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CuTextureDesc
{
    /// <summary><c>CUaddress_mode</c> per coordinate.</summary>
    public fixed uint AddressMode[3];
    public uint FilterMode;
    public uint Flags;
    public uint MaxAnisotropy;
    public uint MipmapFilterMode;
    public float MipmapLevelBias;
    public float MinMipmapLevelClamp;
    public float MaxMipmapLevelClamp;
    public fixed float BorderColor[4];
    public fixed int Reserved[12];
}
