using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary><c>CUmemLocation</c> (cuda.h, CUDA 13): a <c>CUmemLocationType</c> and an id (the device ordinal for a device).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuMemLocation
{
    /// <summary><c>CU_MEM_LOCATION_TYPE_DEVICE</c>.</summary>
    public const int TypeDevice = 1;

    public int Type;
    public int Id;
}

/// <summary>
/// <c>CUmemPoolProps</c> (cuda.h, CUDA 13: <c>CUmemPoolProps_v1</c>), 88 bytes on x86-64: allocation type,
/// export handle types, location, the Windows security attributes pointer, the maximum size, the usage
/// bitmask and 54 reserved bytes that must be zero.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CuMemPoolProps
{
    /// <summary><c>CU_MEM_ALLOCATION_TYPE_PINNED</c>.</summary>
    public const int AllocationTypePinned = 1;

    /// <summary><c>CU_MEM_HANDLE_TYPE_NONE</c>.</summary>
    public const int HandleTypeNone = 0;

    public int AllocType;
    public int HandleTypes;
    public CuMemLocation Location;
    public nint Win32SecurityAttributes;
    public nuint MaxSize;
    public ushort Usage;
    public ReservedBytes Reserved;

    [InlineArray(54)]
    internal struct ReservedBytes
    {
        private byte _element;
    }
}
