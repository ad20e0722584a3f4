namespace Orion.Cuda.Protocol;

/// <summary>The element width of a memset: <c>cuMemsetD8</c>, <c>D16</c> or <c>D32</c> (wire values).</summary>
public enum MemsetElementSize : byte
{
    Bits8 = 1,
    Bits16 = 2,
    Bits32 = 4,
}
