namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// The parameter gives the size of the call's bulk data: its total bytes, or (for a 2D copy) the
/// bytes of one row and the number of rows, which travel packed.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class BulkSizeAttribute(BulkSizePart part) : Attribute
{
    public BulkSizePart Part { get; } = part;
}
