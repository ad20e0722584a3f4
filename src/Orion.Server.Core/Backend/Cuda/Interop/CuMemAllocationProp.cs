using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// <c>CUmemAllocationProp</c> (cuda.h, CUDA 13: <c>CUmemAllocationProp_v1</c>), 32 bytes on x86-64: allocation type,
/// requested shareable handle types, location, the Windows handle metadata pointer and the allocation flags
/// (compression type, GPUDirect RDMA capable, usage, 4 reserved bytes that must be zero).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuMemAllocationProp
{
    /// <summary><c>CU_MEM_ALLOCATION_TYPE_PINNED</c>.</summary>
    public const int TypePinned = 1;

    public int Type;
    public int RequestedHandleTypes;
    public CuMemLocation Location;
    public nint Win32HandleMetaData;
    public byte CompressionType;
    public byte GpuDirectRdmaCapable;
    public ushort Usage;
    public uint Reserved;
}

/// <summary><c>CUmemAccessDesc</c> (cuda.h, CUDA 13: <c>CUmemAccessDesc_v1</c>), 12 bytes: a location and its <c>CUmemAccess_flags</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuMemAccessDesc
{
    public CuMemLocation Location;
    public int Flags;
}
