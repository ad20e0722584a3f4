namespace Orion.Cuda.Protocol.Description;

/// <summary>The largest value an unsigned size or count may take; a larger one is a malformed record.</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class LimitAttribute(ulong maximum) : Attribute
{
    public ulong Maximum { get; } = maximum;
}
