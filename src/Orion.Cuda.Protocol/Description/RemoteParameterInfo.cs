namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// One parameter of a described call. <see cref="WireType"/> is the C# type as described;
/// <see cref="FixedBytes"/> its size on the wire when fixed (0 for strings, byte fields, arrays and
/// bulk data, which is not in the record at all).
/// </summary>
public sealed record RemoteParameterInfo(
    string Name,
    string WireType,
    ParameterDirection Direction,
    int FixedBytes,
    HandleKind? Handle,
    bool NewHandle,
    ulong? Limit,
    int? MaxBytes,
    int? MaxCount,
    BulkSizePart? BulkSize);
