using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUDA_RESOURCE_DESC</c> as passed to <c>cuTexObjectCreate</c> and <c>cuSurfObjectCreate</c>: the
/// resource type, then a 128-byte union at offset 8 (its <c>array</c>, <c>linear</c> and <c>pitch2D</c>
/// members overlaid here by offset), then flags (must be 0). 144 bytes; a unit test pins the offsets.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 144)]
internal struct CuResourceDesc
{
    /// <summary>A <c>CUresourcetype</c>.</summary>
    [FieldOffset(0)] public uint ResType;

    /// <summary><c>res.array.hArray</c>.</summary>
    [FieldOffset(8)] public nint Array;

    /// <summary><c>res.linear.devPtr</c> and <c>res.pitch2D.devPtr</c>.</summary>
    [FieldOffset(8)] public ulong DevicePointer;

    /// <summary><c>res.linear.format</c> and <c>res.pitch2D.format</c> (a <c>CUarray_format</c>).</summary>
    [FieldOffset(16)] public uint Format;

    /// <summary><c>res.linear.numChannels</c> and <c>res.pitch2D.numChannels</c>.</summary>
    [FieldOffset(20)] public uint NumChannels;

    /// <summary><c>res.linear.sizeInBytes</c>, and <c>res.pitch2D.width</c> (in elements).</summary>
    [FieldOffset(24)] public nuint SizeInBytesOrWidth;

    /// <summary><c>res.pitch2D.height</c>.</summary>
    [FieldOffset(32)] public nuint Height;

    /// <summary><c>res.pitch2D.pitchInBytes</c>.</summary>
    [FieldOffset(40)] public nuint PitchInBytes;

    [FieldOffset(136)] public uint Flags;
}
