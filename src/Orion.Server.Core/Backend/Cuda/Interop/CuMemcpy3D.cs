using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUDA_MEMCPY3D</c> (the <c>_v2</c> layout) as passed to <c>cuMemcpy3D_v2</c> and <c>cuGraphAddMemcpyNode</c>: per side a byte
/// column, row, slice and mipmap level (always 0), the memory type and the pointer of that type, a
/// reserved pointer, the pitch and the rows per slice; then the extent. 200 bytes on 64-bit hosts; a
/// unit test pins the size and offsets.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuMemcpy3D
{
    public nuint SrcXInBytes;
    public nuint SrcY;
    public nuint SrcZ;
    public nuint SrcLod;
    public CuMemoryType SrcMemoryType;
    public nint SrcHost;
    public ulong SrcDevice;
    public nint SrcArray;
    public nint Reserved0;
    public nuint SrcPitch;
    public nuint SrcHeight;

    public nuint DstXInBytes;
    public nuint DstY;
    public nuint DstZ;
    public nuint DstLod;
    public CuMemoryType DstMemoryType;
    public nint DstHost;
    public ulong DstDevice;
    public nint DstArray;
    public nint Reserved1;
    public nuint DstPitch;
    public nuint DstHeight;

    public nuint WidthInBytes;
    public nuint Height;
    public nuint Depth;
}
