namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// Limits of the virtual memory management calls (<see cref="Calls.IVirtualMemoryCalls"/>). The size of one
/// reservation is bounded on the wire; the counts and the total are what one session may make the server hold
/// (a server may lower them; beyond them a call is refused with <c>CUDA_ERROR_OUT_OF_MEMORY</c> before the
/// device is asked). They are above what the programs that use the API need: PyTorch's expandable segments
/// reserve 1 1/8 of the GPU's memory per stream and create one 2 MiB or 20 MiB allocation per mapped segment.
/// </summary>
public static class VirtualMemoryLimits
{
    /// <summary>Largest single address reservation, in bytes (4 TiB), and largest alignment one may ask for.</summary>
    public const ulong MaxReservationBytes = 1UL << 42;

    /// <summary>Most address reservations one session may hold at once.</summary>
    public const int MaxReservationsPerSession = 1024;

    /// <summary>
    /// Most bytes of address space one session may hold reserved at once (16 TiB): reservations cost no memory,
    /// but the GPU's addresses are the server process's, which sessions of one process share.
    /// </summary>
    public const ulong MaxReservedBytesPerSession = 1UL << 44;

    /// <summary>Most physical allocations (<c>cuMemCreate</c>) one session may hold at once, released or not while still mapped.</summary>
    public const int MaxPhysicalAllocationsPerSession = 1 << 18;

    /// <summary>Most mappings (<c>cuMemMap</c>) one session may hold at once.</summary>
    public const int MaxMappingsPerSession = 1 << 18;
}
