namespace Orion.Server.Core.Backend;

/// <summary>The element width of a memset: <c>cuMemsetD8</c>, <c>D16</c> or <c>D32</c>.</summary>
public enum MemsetElementSize
{
    Bits8 = 1,
    Bits16 = 2,
    Bits32 = 4,
}
