namespace Orion.Server.Core.Backend;

/// <summary>
/// What a session may choose of <c>CUmemPoolProps</c> when it creates a pool: the rest is fixed by what a
/// remote device can serve (pinned device memory of the context's device, no export handles).
/// </summary>
/// <param name="MaxBytes">Most bytes the pool may hold; 0 is the driver's default.</param>
/// <param name="Usage">The <c>usage</c> bitmask (for example <c>CU_MEM_POOL_CREATE_USAGE_HW_DECOMPRESS</c>).</param>
public readonly record struct MemoryPoolProperties(ulong MaxBytes, ushort Usage);
