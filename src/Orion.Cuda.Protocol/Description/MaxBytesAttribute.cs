namespace Orion.Cuda.Protocol.Description;

/// <summary>The longest a string (UTF-8 bytes) or byte field may be; checked by both sides before anything is allocated.</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class MaxBytesAttribute(int bytes) : Attribute
{
    public int Bytes { get; } = bytes;
}
