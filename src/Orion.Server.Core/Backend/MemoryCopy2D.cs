namespace Orion.Server.Core.Backend;

/// <summary>
/// A pitched 2D copy (<c>cuMemcpy2D_v2</c>): <see cref="Height"/> rows of <see cref="WidthBytes"/>
/// bytes. Host sides are pointers into pinned memory from <see cref="IGpuContext.AllocateHost"/>
/// (or, for synchronous copies, any host memory that stays valid during the call).
/// </summary>
public readonly record struct MemoryCopy2D(
    MemoryLocation SourceLocation,
    ulong Source,
    ulong SourcePitch,
    MemoryLocation DestinationLocation,
    ulong Destination,
    ulong DestinationPitch,
    ulong WidthBytes,
    ulong Height);

/// <summary>Which side of a copy an address belongs to.</summary>
public enum MemoryLocation
{
    /// <summary>A host address (cast from a pointer).</summary>
    Host = 1,
    /// <summary>A device address in the context's address space.</summary>
    Device = 2,
    /// <summary>A CUDA array of the context (<see cref="MemoryCopy3D"/> only).</summary>
    Array = 3,
}
