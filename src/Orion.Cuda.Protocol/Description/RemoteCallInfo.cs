namespace Orion.Cuda.Protocol.Description;

/// <summary>One call as the build read its description (<see cref="RemoteCallCatalog"/>): for tools, docs and tests that walk every call.</summary>
public sealed record RemoteCallInfo(
    string Area,
    string Name,
    ushort Opcode,
    CallMode Mode,
    BulkDirection Bulk,
    bool FlushAtOnce,
    IReadOnlyList<RemoteParameterInfo> Parameters);
