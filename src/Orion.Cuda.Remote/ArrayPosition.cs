namespace Orion.Cuda.Remote;

/// <summary>Where a copy starts inside a CUDA array: the array's handle, the byte column, the row and the slice.</summary>
public readonly record struct ArrayPosition(ulong Array, ulong XBytes = 0, ulong Y = 0, ulong Z = 0);
