namespace Orion.Cuda.Protocol.Description;

/// <summary>The parameter is a client-chosen handle of <paramref name="kind"/>.</summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class HandleAttribute(HandleKind kind) : Attribute
{
    public HandleKind Kind { get; } = kind;

    /// <summary>The call creates the object: the handle must not name one yet.</summary>
    public bool New { get; init; }
}
