namespace Orion.Server.Core.Backend;

/// <summary>
/// <c>CUmemPool_attribute</c> values (cuda.h, CUDA 13). The reuse policies are <c>int</c> in CUDA, the rest
/// <c>cuuint64_t</c>; through <see cref="IGpuContext"/> every value travels as a <see cref="ulong"/>.
/// </summary>
public enum MemoryPoolAttributeId
{
    /// <summary>Reuse memory freed on another stream once an event dependency orders the two (int, default 1).</summary>
    ReuseFollowEventDependencies = 1,

    /// <summary>Reuse memory whose free has already completed, without a dependency (int, default 1).</summary>
    ReuseAllowOpportunistic = 2,

    /// <summary>Let the driver insert dependencies to reuse memory (int, default 1).</summary>
    ReuseAllowInternalDependencies = 3,

    /// <summary>Bytes of unused memory the pool keeps at a synchronization instead of releasing them (default 0).</summary>
    ReleaseThreshold = 4,

    /// <summary>Bytes the pool holds from the device (read only).</summary>
    ReservedMemoryCurrent = 5,

    /// <summary>Most bytes held since the last reset (only 0 may be set: resets it).</summary>
    ReservedMemoryHigh = 6,

    /// <summary>Bytes of the pool in use by allocations (read only).</summary>
    UsedMemoryCurrent = 7,

    /// <summary>Most bytes in use since the last reset (only 0 may be set: resets it).</summary>
    UsedMemoryHigh = 8,
}

/// <summary>The attributes' rules, shared by both backends and the session's checks.</summary>
public static class MemoryPoolAttributes
{
    /// <summary>True for the attributes this build knows (CUDA 13 may define newer ones; they are refused, never guessed at).</summary>
    public static bool IsKnown(MemoryPoolAttributeId attribute) =>
        attribute is >= MemoryPoolAttributeId.ReuseFollowEventDependencies and <= MemoryPoolAttributeId.UsedMemoryHigh;

    /// <summary>True for the three reuse policies, which CUDA passes as an <c>int</c>.</summary>
    public static bool IsReusePolicy(MemoryPoolAttributeId attribute) =>
        attribute is >= MemoryPoolAttributeId.ReuseFollowEventDependencies and <= MemoryPoolAttributeId.ReuseAllowInternalDependencies;

    /// <summary>
    /// Whether <paramref name="value"/> may be set: the current amounts are read only and the high watermarks
    /// can only be reset to 0 (the driver answers <c>CUDA_ERROR_INVALID_VALUE</c> otherwise).
    /// </summary>
    public static bool CanSet(MemoryPoolAttributeId attribute, ulong value) => attribute switch
    {
        MemoryPoolAttributeId.ReservedMemoryCurrent or MemoryPoolAttributeId.UsedMemoryCurrent => false,
        MemoryPoolAttributeId.ReservedMemoryHigh or MemoryPoolAttributeId.UsedMemoryHigh => value == 0,
        _ => IsKnown(attribute) && (!IsReusePolicy(attribute) || value <= int.MaxValue),
    };
}
