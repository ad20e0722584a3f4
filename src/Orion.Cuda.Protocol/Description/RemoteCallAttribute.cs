namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// Describes one remote call: its opcode (a wire value that never changes meaning) and whether the
/// client waits for it. Parameters are the request's fields in order; <c>out</c> parameters are the
/// reply's fields, <c>ref</c> parameters travel both ways. The method returns the call's status.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RemoteCallAttribute(ushort opcode, CallMode mode) : Attribute
{
    public ushort Opcode { get; } = opcode;

    public CallMode Mode { get; } = mode;

    /// <summary>Bulk data that travels with the call, and which way.</summary>
    public BulkDirection Bulk { get; init; }

    /// <summary>
    /// An asynchronous call whose record is written at once instead of waiting for the next
    /// synchronizing call (a host-function marker: the client may wait only for its callback).
    /// </summary>
    public bool FlushAtOnce { get; init; }
}
