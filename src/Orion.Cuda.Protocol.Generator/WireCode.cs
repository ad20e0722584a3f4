using System.Globalization;
using System.Linq;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>The C# that reads, writes and checks one field, shared by the client and server emitters.</summary>
internal static class WireCode
{
    public const string Limits = "global::Orion.Cuda.Protocol.Wire.ProtocolLimits";
    public const string ProtocolExceptionType = "global::Orion.Cuda.Protocol.Wire.ProtocolException";
    public const string Status = "global::Orion.Cuda.Protocol.CudaStatus";
    public const string OpcodeType = "global::Orion.Cuda.Protocol.Wire.Opcode";

    /// <summary>An expression reading the field from the <c>ProtocolReader</c> named <paramref name="reader"/>.</summary>
    public static string Read(ParameterModel p, string reader) => p.Kind switch
    {
        WireKind.Boolean => $"{reader}.ReadBoolean()",
        WireKind.Byte => $"{reader}.ReadByte()",
        WireKind.UInt16 => $"{reader}.ReadUInt16()",
        WireKind.Int16 => $"(short){reader}.ReadUInt16()",
        WireKind.UInt32 => $"{reader}.ReadUInt32()",
        WireKind.Int32 => $"{reader}.ReadInt32()",
        WireKind.UInt64 => $"{reader}.ReadUInt64()",
        WireKind.Int64 => $"(long){reader}.ReadUInt64()",
        WireKind.Single => $"{reader}.ReadSingle()",
        WireKind.Enum => $"({p.Type}){ReadUnderlying(p.EnumUnderlying, reader)}",
        WireKind.WireValue => $"{p.Type}.Read(ref {reader})",
        WireKind.String => $"{reader}.ReadString({p.MaxBytes})",
        WireKind.Bytes => $"{reader}.ReadBytes({p.MaxBytes})",
        _ => throw new System.InvalidOperationException(p.Kind.ToString()),
    };

    private static string ReadUnderlying(string underlying, string reader) => underlying switch
    {
        "byte" => $"{reader}.ReadByte()",
        "ushort" => $"{reader}.ReadUInt16()",
        "short" => $"(short){reader}.ReadUInt16()",
        "uint" => $"{reader}.ReadUInt32()",
        "int" => $"{reader}.ReadInt32()",
        "ulong" => $"{reader}.ReadUInt64()",
        _ => $"{reader}.ReadInt32()",
    };

    /// <summary>A statement writing <paramref name="value"/> with the <c>ProtocolWriter</c> named <paramref name="writer"/>.</summary>
    public static string Write(ParameterModel p, string writer, string value) => p.Kind switch
    {
        WireKind.Boolean => $"{writer}.WriteBoolean({value});",
        WireKind.Byte => $"{writer}.WriteByte({value});",
        WireKind.UInt16 => $"{writer}.WriteUInt16({value});",
        WireKind.Int16 => $"{writer}.WriteUInt16((ushort){value});",
        WireKind.UInt32 => $"{writer}.WriteUInt32({value});",
        WireKind.Int32 => $"{writer}.WriteInt32({value});",
        WireKind.UInt64 => $"{writer}.WriteUInt64({value});",
        WireKind.Int64 => $"{writer}.WriteUInt64((ulong){value});",
        WireKind.Single => $"{writer}.WriteSingle({value});",
        WireKind.Enum => WriteUnderlying(p.EnumUnderlying, writer, value),
        WireKind.WireValue => $"{value}.Write({writer});",
        WireKind.String => $"{writer}.WriteString({value}, {p.MaxBytes});",
        WireKind.Bytes => $"{writer}.WriteBytes({value});",
        _ => throw new System.InvalidOperationException(p.Kind.ToString()),
    };

    private static string WriteUnderlying(string underlying, string writer, string value) => underlying switch
    {
        "byte" => $"{writer}.WriteByte((byte){value});",
        "ushort" or "short" => $"{writer}.WriteUInt16((ushort){value});",
        "uint" => $"{writer}.WriteUInt32((uint){value});",
        "ulong" => $"{writer}.WriteUInt64((ulong){value});",
        _ => $"{writer}.WriteInt32((int){value});",
    };

    /// <summary>A condition true when a decoded value breaks the field's rules (limit, closed enum), or null when the field has none.</summary>
    public static string? Violation(ParameterModel p, string value)
    {
        if (p.Limit is { } limit)
        {
            return $"{value} > {limit.ToString(CultureInfo.InvariantCulture)}UL";
        }
        if (p.Kind == WireKind.Enum && p.EnumValues.Count > 0)
        {
            return $"!(({p.EnumUnderlying}){value} is {string.Join(" or ", p.EnumValues.Select(v => v))})";
        }
        return null;
    }

    /// <summary>The field's size on the wire when fixed, as a C# expression; "0" for strings, byte fields, arrays and bulk data.</summary>
    public static string FixedBytes(ParameterModel p) => p.Kind switch
    {
        WireKind.Boolean or WireKind.Byte => "1",
        WireKind.UInt16 or WireKind.Int16 => "2",
        WireKind.UInt32 or WireKind.Int32 or WireKind.Single => "4",
        WireKind.UInt64 or WireKind.Int64 => "8",
        WireKind.Enum => $"sizeof({p.EnumUnderlying})",
        WireKind.WireValue => $"{p.Type}.WireBytes",
        _ => "0",
    };

    public static string Camel(string name) => char.ToLowerInvariant(name[0]) + name.Substring(1);

    /// <summary>The parameter's name as an identifier (a parameter may be called <c>event</c>).</summary>
    public static string Id(string name) => "@" + name;
}
