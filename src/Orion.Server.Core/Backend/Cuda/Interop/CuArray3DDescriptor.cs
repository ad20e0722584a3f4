using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUDA_ARRAY3D_DESCRIPTOR</c> (the <c>_v2</c> layout with <c>size_t</c> extents) as passed to
/// <c>cuArray3DCreate_v2</c>: 40 bytes on 64-bit hosts; a unit test pins the size and offsets.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuArray3DDescriptor
{
    public nuint Width;
    public nuint Height;
    public nuint Depth;
    /// <summary>A <c>CUarray_format</c>.</summary>
    public uint Format;
    public uint NumChannels;
    /// <summary><c>CUDA_ARRAY3D_*</c> bits.</summary>
    public uint Flags;
}
