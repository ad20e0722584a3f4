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

/// <summary>One described call. Mode: 1 synchronous, 2 asynchronous. Bulk: 0 none, 1 to server, 2 to client (the Description enums' values).</summary>
internal sealed record CallModel(string Area, string InterfaceType, string Name, int Opcode, int Mode, int Bulk, bool FlushAtOnce, EquatableArray<ParameterModel> Parameters)
{
    public bool IsSynchronous => Mode == 1;

    public bool CarriesRequestId => Mode == 1 || Bulk == 2;
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
    int? BulkPart);
