namespace Orion.Cuda.Protocol.Description;

/// <summary>The most elements an array field may hold; checked before the array is allocated.</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class MaxCountAttribute(int count) : Attribute
{
    public int Count { get; } = count;
}
