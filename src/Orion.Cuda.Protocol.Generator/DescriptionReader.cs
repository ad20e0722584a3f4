using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>Reads the described interfaces (from source or from the referenced protocol assembly) into the generator's model.</summary>
internal static class DescriptionReader
{
    public const string DescriptionNamespace = "Orion.Cuda.Protocol.Description";
    public const string AreaAttribute = DescriptionNamespace + ".RemoteCallAreaAttribute";
    private const string CallAttribute = DescriptionNamespace + ".RemoteCallAttribute";
    private const string IncomingType = DescriptionNamespace + ".IncomingData";
    private const string OutgoingType = DescriptionNamespace + ".OutgoingData";
    private const string WireValueInterface = DescriptionNamespace + ".IWireValue<TSelf>";
    private const string StatusType = "Orion.Cuda.Protocol.CudaStatus";

    /// <summary>Every interface of <paramref name="assembly"/> marked as an area, in opcode order.</summary>
    public static ImmutableArray<INamedTypeSymbol> FindAreas(IAssemblySymbol assembly)
    {
        var found = new List<INamedTypeSymbol>();
        Collect(assembly.GlobalNamespace, found);
        return InOpcodeOrder(found);
    }

    public static ImmutableArray<INamedTypeSymbol> InOpcodeOrder(IEnumerable<INamedTypeSymbol> areas) => [.. areas.OrderBy(FirstOpcode)];

    private static void Collect(INamespaceSymbol space, List<INamedTypeSymbol> found)
    {
        foreach (var type in space.GetTypeMembers())
        {
            if (type.TypeKind == TypeKind.Interface && type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == AreaAttribute))
            {
                found.Add(type);
            }
        }
        foreach (var nested in space.GetNamespaceMembers())
        {
            Collect(nested, found);
        }
    }

    private static int FirstOpcode(INamedTypeSymbol area) =>
        area.GetMembers().OfType<IMethodSymbol>().Select(m => CallAttributeOf(m) is { } a ? (int)(ushort)a.ConstructorArguments[0].Value! : int.MaxValue).DefaultIfEmpty(int.MaxValue).Min();

    private static AttributeData? CallAttributeOf(IMethodSymbol method) =>
        method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == CallAttribute);

    /// <summary>Reads the areas; problems go to <paramref name="diagnostics"/> and leave the offending call out.</summary>
    public static EquatableArray<AreaModel> Read(IEnumerable<INamedTypeSymbol> areas, List<Diagnostic> diagnostics)
    {
        var models = new List<AreaModel>();
        var opcodes = new Dictionary<int, string>();
        foreach (var area in areas)
        {
            var areaName = (string)area.GetAttributes().First(a => a.AttributeClass?.ToDisplayString() == AreaAttribute).ConstructorArguments[0].Value!;
            var interfaceType = area.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            var calls = new List<CallModel>();
            foreach (var method in area.GetMembers().OfType<IMethodSymbol>())
            {
                if (ReadCall(areaName, interfaceType, method, diagnostics) is not { } call)
                {
                    continue;
                }
                if (opcodes.TryGetValue(call.Opcode, out var other))
                {
                    diagnostics.Add(Diagnostic.Create(Diagnostics.DuplicateOpcode, method.Locations.FirstOrDefault(), call.Opcode, call.Name, other));
                    continue;
                }
                opcodes[call.Opcode] = call.Name;
                calls.Add(call);
            }
            models.Add(new AreaModel(areaName, interfaceType, new([.. calls.OrderBy(c => c.Opcode)])));
        }
        return new([.. models]);
    }

    private static CallModel? ReadCall(string area, string interfaceType, IMethodSymbol method, List<Diagnostic> diagnostics)
    {
        var attribute = CallAttributeOf(method);
        var location = method.Locations.FirstOrDefault();
        if (attribute is null)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.BadShape, location, method.Name, "every method of a call area needs [RemoteCall]"));
            return null;
        }
        if (method.ReturnType.ToDisplayString() != StatusType)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.BadShape, location, method.Name, "a call returns CudaStatus"));
            return null;
        }
        var opcode = (int)(ushort)attribute.ConstructorArguments[0].Value!;
        var mode = (CallMode)(int)attribute.ConstructorArguments[1].Value!;
        var bulk = BulkDirection.None;
        var flush = false;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "Bulk")
            {
                bulk = (BulkDirection)(int)named.Value.Value!;
            }
            else if (named.Key == "FlushAtOnce")
            {
                flush = (bool)named.Value.Value!;
            }
        }
        var parameters = new List<ParameterModel>();
        var ok = true;
        foreach (var parameter in method.Parameters)
        {
            if (ReadParameter(method.Name, parameter, diagnostics) is { } model)
            {
                parameters.Add(model);
            }
            else
            {
                ok = false;
            }
        }
        var call = new CallModel(area, interfaceType, method.Name, opcode, mode, bulk, flush, new([.. parameters]));
        return ok && CheckShape(call, location, diagnostics) ? call : null;
    }

    private static bool CheckShape(CallModel call, Location? location, List<Diagnostic> diagnostics)
    {
        string? problem = null;
        var bulkParameters = call.Parameters.Count(p => p.Direction == Direction.Bulk);
        var sizes = call.Parameters.Where(p => p.BulkPart is not null).Select(p => p.BulkPart!.Value).OrderBy(p => p).ToArray();
        var hasOut = call.Parameters.Any(p => p.Direction is Direction.Out or Direction.InOut);
        if (call.Bulk == BulkDirection.None && (bulkParameters > 0 || sizes.Length > 0))
        {
            problem = "bulk data parameters need Bulk = ToServer or ToClient";
        }
        else if (call.Bulk != BulkDirection.None && (bulkParameters != 1 || !(sizes.SequenceEqual([BulkSizePart.Bytes]) || sizes.SequenceEqual([BulkSizePart.RowBytes, BulkSizePart.Rows]))))
        {
            problem = "a bulk call has one IncomingData or OutgoingData parameter and its size as [BulkSize(Bytes)] or [BulkSize(RowBytes)] + [BulkSize(Rows)]";
        }
        else if ((call.Bulk == BulkDirection.ToServer && call.Parameters.Any(p => p.Kind == WireKind.Outgoing))
            || (call.Bulk == BulkDirection.ToClient && call.Parameters.Any(p => p.Kind == WireKind.Incoming)))
        {
            problem = "the bulk parameter's type does not match the call's bulk direction";
        }
        else if (hasOut && (!call.IsSynchronous || call.Bulk == BulkDirection.ToClient))
        {
            problem = "only a synchronous call without data for the client has out or ref fields";
        }
        else if (call.FlushAtOnce && call.IsSynchronous)
        {
            problem = "FlushAtOnce is for asynchronous calls (a synchronous call is always written at once)";
        }
        else if (call.Parameters.Any(p => p.Direction != Direction.In && p.Kind == WireKind.Bytes))
        {
            problem = "a byte field travels only in the request";
        }
        else if (call.Parameters.Any(p => p.Kind == WireKind.WireValueArray && p.Direction == Direction.InOut))
        {
            problem = "an array field travels in the request or in the reply, not both";
        }
        if (problem is null)
        {
            return true;
        }
        diagnostics.Add(Diagnostic.Create(Diagnostics.BadShape, location, call.Name, problem));
        return false;
    }

    private static ParameterModel? ReadParameter(string call, IParameterSymbol parameter, List<Diagnostic> diagnostics)
    {
        var location = parameter.Locations.FirstOrDefault();
        int? handle = null;
        var newHandle = false;
        ulong? limit = null;
        int? maxBytes = null;
        int? maxCount = null;
        BulkSizePart? bulkPart = null;
        foreach (var attribute in parameter.GetAttributes())
        {
            var value = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value : null;
            switch (attribute.AttributeClass?.Name)
            {
                case "HandleAttribute":
                    handle = (int)value!;
                    newHandle = attribute.NamedArguments.Any(n => n.Key == "New" && (bool)n.Value.Value!);
                    break;
                case "LimitAttribute":
                    limit = (ulong)value!;
                    break;
                case "MaxBytesAttribute":
                    maxBytes = (int)value!;
                    break;
                case "MaxCountAttribute":
                    maxCount = (int)value!;
                    break;
                case "BulkSizeAttribute":
                    bulkPart = (BulkSizePart)(int)value!;
                    break;
            }
        }
        var direction = parameter.RefKind switch
        {
            RefKind.Out => Direction.Out,
            RefKind.Ref => Direction.InOut,
            RefKind.None => Direction.In,
            _ => (Direction)0,
        };
        var type = parameter.Type;
        var enumUnderlying = "";
        var enumValues = ImmutableArray<string>.Empty;
        var typeName = type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        WireKind? kind = type.SpecialType switch
        {
            SpecialType.System_Boolean => WireKind.Boolean,
            SpecialType.System_Byte => WireKind.Byte,
            SpecialType.System_UInt16 => WireKind.UInt16,
            SpecialType.System_Int16 => WireKind.Int16,
            SpecialType.System_UInt32 => WireKind.UInt32,
            SpecialType.System_Int32 => WireKind.Int32,
            SpecialType.System_UInt64 => WireKind.UInt64,
            SpecialType.System_Int64 => WireKind.Int64,
            SpecialType.System_Single => WireKind.Single,
            SpecialType.System_String => WireKind.String,
            _ => null,
        };
        string? problem = null;
        if (direction == 0)
        {
            problem = "only in, out and ref parameters describe a wire field";
        }
        else if (kind is null)
        {
            if (type is INamedTypeSymbol { TypeKind: TypeKind.Enum, EnumUnderlyingType: { } underlying } enumType)
            {
                kind = WireKind.Enum;
                enumUnderlying = underlying.ToDisplayString();
                var isFlags = enumType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute");
                enumValues = isFlags
                    ? ImmutableArray<string>.Empty
                    : [.. enumType.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).Select(f => System.Convert.ToString(f.ConstantValue, CultureInfo.InvariantCulture)!).Distinct()];
            }
            else if (typeName == "global::System.ReadOnlySpan<byte>")
            {
                kind = WireKind.Bytes;
            }
            else if (type is IArrayTypeSymbol { ElementType: var element } && IsWireValue(element))
            {
                kind = WireKind.WireValueArray;
                typeName = element.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            }
            else if (IsWireValue(type))
            {
                kind = WireKind.WireValue;
            }
            else if (type.ToDisplayString() == IncomingType)
            {
                kind = WireKind.Incoming;
                direction = Direction.Bulk;
            }
            else if (type.ToDisplayString() == OutgoingType)
            {
                kind = WireKind.Outgoing;
                direction = Direction.Bulk;
            }
            else
            {
                problem = $"{type.ToDisplayString()} has no wire encoding (use an integer, float, bool, enum, string, ReadOnlySpan<byte>, an IWireValue struct or an array of one)";
            }
        }
        if (problem is not null)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedType, location, parameter.Name, call, problem));
            return null;
        }
        string? missing = kind switch
        {
            WireKind.String or WireKind.Bytes when maxBytes is null => "[MaxBytes]",
            WireKind.WireValueArray when maxCount is null => "[MaxCount]",
            _ when bulkPart is not null && limit is null => "[Limit] (a bulk size)",
            _ => null,
        };
        if (missing is not null)
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.MissingLimit, location, parameter.Name, call, missing));
            return null;
        }
        if ((direction == Direction.Bulk && parameter.RefKind != RefKind.None) || (bulkPart is not null && kind != WireKind.UInt64))
        {
            diagnostics.Add(Diagnostic.Create(Diagnostics.UnsupportedType, location, parameter.Name, call, "bulk data is an in parameter and its sizes are ulong"));
            return null;
        }
        return new ParameterModel(parameter.Name, typeName, kind.GetValueOrDefault(), direction, enumUnderlying, new(enumValues), handle, newHandle, limit, maxBytes, maxCount, bulkPart);
    }

    private static bool IsWireValue(ITypeSymbol type) =>
        type.IsValueType && type.AllInterfaces.Any(i => i.OriginalDefinition.ToDisplayString() == WireValueInterface);
}
