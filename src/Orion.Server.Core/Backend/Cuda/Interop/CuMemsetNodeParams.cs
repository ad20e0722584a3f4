using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUDA_MEMSET_NODE_PARAMS</c> (<c>_v1</c>, what <c>cuGraphAddMemsetNode</c> takes): <see cref="Height"/>
/// rows of <see cref="Width"/> elements of <see cref="ElementSize"/> (1, 2 or 4) bytes. 40 bytes on
/// 64-bit hosts; a unit test pins the size and offsets.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuMemsetNodeParams
{
    public ulong Destination;
    public nuint Pitch;
    public uint Value;
    public uint ElementSize;
    public nuint Width;
    public nuint Height;
}
