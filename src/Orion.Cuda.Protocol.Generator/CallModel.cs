using System.Linq;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>How a parameter is encoded on the wire.</summary>
internal enum WireKind
{
    Boolean,
    Byte,
    UInt16,
    Int16,
    UInt32,
    Int32,
    UInt64,
    Int64,
    Single,
    Enum,
    WireValue,
    String,
    Bytes,
    WireValueArray,
    Incoming,
    Outgoing,
}

/// <summary>Which way a parameter travels (mirrors Orion.Cuda.Protocol.Description.ParameterDirection).</summary>
internal enum Direction
{
    In = 1,
    Out = 2,
    InOut = 3,
    Bulk = 4,
}

/// <summary>One area (a described interface) with its calls.</summary>
internal sealed record AreaModel(string Name, string InterfaceType, EquatableArray<CallModel> Calls);

/// <summary>Mirrors Orion.Cuda.Protocol.Description.CallMode (same values: the attribute carries them as numbers).</summary>
internal enum CallMode
{
    Synchronous = 1,
    Asynchronous = 2,
}

/// <summary>Mirrors Orion.Cuda.Protocol.Description.BulkDirection.</summary>
internal enum BulkDirection
{
    None = 0,
    ToServer = 1,
    ToClient = 2,
}

/// <summary>Mirrors Orion.Cuda.Protocol.Description.BulkSizePart.</summary>
internal enum BulkSizePart
{
    Bytes = 1,
    RowBytes = 2,
    Rows = 3,
}

/// <summary>One described call.</summary>
internal sealed record CallModel(string Area, string InterfaceType, string Name, int Opcode, CallMode Mode, BulkDirection Bulk, bool FlushAtOnce, EquatableArray<ParameterModel> Parameters)
{
    public bool IsSynchronous => Mode == CallMode.Synchronous;

    /// <summary>A synchronous call, or one whose data comes back, carries a request id; any other call must not.</summary>
    public bool CarriesRequestId => Mode == CallMode.Synchronous || Bulk == BulkDirection.ToClient;

    /// <summary>The bulk data parameter (IncomingData or OutgoingData), or null for a call without bulk data.</summary>
    public ParameterModel? BulkData => Parameters.FirstOrDefault(p => p.Direction == Direction.Bulk);

    /// <summary>The parameter that sizes the bulk data: all its bytes, or the bytes of one row.</summary>
    public ParameterModel? BulkRowBytes => Parameters.FirstOrDefault(p => p.BulkPart is BulkSizePart.Bytes or BulkSizePart.RowBytes);

    /// <summary>The parameter that gives the rows of 2D bulk data; null for contiguous data.</summary>
    public ParameterModel? BulkRows => Parameters.FirstOrDefault(p => p.BulkPart == BulkSizePart.Rows);
}

/// <summary>
/// One parameter. <see cref="Type"/> is the fully qualified C# type (the element type for arrays);
/// <see cref="EnumValues"/> the defined values a closed enum may take (empty: any value of its width).
/// </summary>
internal sealed record ParameterModel(
    string Name,
    string Type,
    WireKind Kind,
    Direction Direction,
    string EnumUnderlying,
    EquatableArray<string> EnumValues,
    int? Handle,
    bool NewHandle,
    ulong? Limit,
    int? MaxBytes,
    int? MaxCount,
    BulkSizePart? BulkPart);
