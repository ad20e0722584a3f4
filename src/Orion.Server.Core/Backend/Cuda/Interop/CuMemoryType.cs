namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>The driver's <c>CUmemorytype</c>, used by 2D copies to say where each side lives.</summary>
internal enum CuMemoryType
{
    Host = 1,
    Device = 2,
    Array = 3,
    Unified = 4,
}
