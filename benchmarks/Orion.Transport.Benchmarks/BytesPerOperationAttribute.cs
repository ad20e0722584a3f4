namespace Orion.Transport.Benchmarks;

/// <summary>How many payload bytes one benchmark operation moves, for the throughput column.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class BytesPerOperationAttribute(long bytes) : Attribute
{
    public long Bytes { get; } = bytes;
}
