namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// Limits of CUDA arrays, texture objects and surface objects. The extents are above what any GPU
/// allows (CUDA's largest array dimension is 131072 elements; 3D and layered arrays are smaller), so the
/// driver stays the judge of a real request; the counts bound what one session can make the server hold.
/// </summary>
public static class ArrayLimits
{
    /// <summary>Largest width, height or depth of an array, and depth of a copy, in elements, rows or slices.</summary>
    public const ulong MaxExtent = 1UL << 17;

    /// <summary>Most arrays one session may hold at once; more are refused with <c>CUDA_ERROR_OUT_OF_MEMORY</c>.</summary>
    public const int MaxArraysPerSession = 65536;

    /// <summary>Most texture objects one session may hold at once.</summary>
    public const int MaxTextureObjectsPerSession = 65536;

    /// <summary>Most surface objects one session may hold at once.</summary>
    public const int MaxSurfaceObjectsPerSession = 65536;
}
