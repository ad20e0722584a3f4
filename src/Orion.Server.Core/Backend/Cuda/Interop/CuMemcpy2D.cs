using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUDA_MEMCPY2D</c> (the <c>_v2</c> layout with <c>size_t</c> fields) as passed to
/// <c>cuMemcpy2D_v2</c>. 128 bytes on 64-bit hosts; a unit test pins the size and offsets.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuMemcpy2D
{
    public nuint SrcXInBytes;
    public nuint SrcY;
    public CuMemoryType SrcMemoryType;
    public nint SrcHost;
    public ulong SrcDevice;
    public nint SrcArray;
    public nuint SrcPitch;

    public nuint DstXInBytes;
    public nuint DstY;
    public CuMemoryType DstMemoryType;
    public nint DstHost;
    public ulong DstDevice;
    public nint DstArray;
    public nuint DstPitch;

    public nuint WidthInBytes;
    public nuint Height;
}
