using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// What one session may hold of the virtual memory management API at once; a call that would go beyond is refused
/// with <c>CUDA_ERROR_OUT_OF_MEMORY</c> before the device is asked. The defaults are <see cref="VirtualMemoryLimits"/>'.
/// </summary>
/// <param name="MaxReservations">Address reservations.</param>
/// <param name="MaxReservedBytes">Bytes of address space in all reservations together.</param>
/// <param name="MaxPhysicalAllocations">Physical allocations (<c>cuMemCreate</c>), counted until freed.</param>
/// <param name="MaxMappings">Mappings (<c>cuMemMap</c>).</param>
internal sealed record SessionVirtualMemoryLimits(int MaxReservations, ulong MaxReservedBytes, int MaxPhysicalAllocations, int MaxMappings)
{
    public static SessionVirtualMemoryLimits Default { get; } = new(VirtualMemoryLimits.MaxReservationsPerSession,
        VirtualMemoryLimits.MaxReservedBytesPerSession, VirtualMemoryLimits.MaxPhysicalAllocationsPerSession, VirtualMemoryLimits.MaxMappingsPerSession);
}
