using System.Globalization;
using System.Linq;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>In the protocol assembly itself: the opcode list and the catalog of every call.</summary>
internal static class CatalogEmitter
{
    public static string Opcodes(EquatableArray<AreaModel> areas)
    {
        var source = new SourceBuilder();
        source.Line("namespace Orion.Cuda.Protocol.Wire;").Line();
        source.Line("/// <summary>The operation a client record carries: one value per described call (Orion.Cuda.Protocol.Calls). Numbers are wire values and never change meaning.</summary>");
        source.Open("public enum Opcode : ushort");
        foreach (var area in areas)
        {
            source.Line($"// {area.Name}");
            foreach (var call in area.Calls)
            {
                source.Line($"/// <summary><see cref=\"{Cref(area.InterfaceType)}.{call.Name}\"/> ({(call.IsSynchronous ? "synchronous" : "asynchronous")}).</summary>");
                source.Line($"{call.Name} = {call.Opcode},");
            }
        }
        source.Close();
        return source.ToString();
    }

    public static string Catalog(EquatableArray<AreaModel> areas)
    {
        const string D = "global::Orion.Cuda.Protocol.Description";
        var source = new SourceBuilder();
        source.Line("namespace Orion.Cuda.Protocol.Description;").Line();
        source.Line("/// <summary>Every described call, as the build read it: for tools, docs and tests that walk the whole protocol.</summary>");
        source.Open("public static class RemoteCallCatalog");
        source.Line($"public static global::System.Collections.Generic.IReadOnlyList<{D}.RemoteCallInfo> Calls {{ get; }} =");
        source.Line("[");
        foreach (var call in areas.SelectMany(a => a.Calls))
        {
            source.Line($"new(\"{call.Area}\", \"{call.Name}\", {call.Opcode}, {D}.CallMode.{call.Mode}, {D}.BulkDirection.{call.Bulk}, {(call.FlushAtOnce ? "true" : "false")},");
            source.Line("[");
            foreach (var p in call.Parameters)
            {
                var type = p.Kind == WireKind.WireValueArray ? p.Type + "[]" : p.Type;
                source.Line($"    new(\"{p.Name}\", \"{type.Replace("global::", "")}\", {D}.ParameterDirection.{p.Direction}, {WireCode.FixedBytes(p)}, "
                    + $"{(p.Handle is { } h ? $"({D}.HandleKind){h}" : "null")}, {(p.NewHandle ? "true" : "false")}, "
                    + $"{(p.Limit is { } l ? l.ToString(CultureInfo.InvariantCulture) + "UL" : "null")}, {(p.MaxBytes?.ToString(CultureInfo.InvariantCulture) ?? "null")}, {(p.MaxCount?.ToString(CultureInfo.InvariantCulture) ?? "null")}, "
                    + $"{(p.BulkPart is { } b ? $"{D}.BulkSizePart.{b}" : "null")}),");
            }
            source.Line("]),");
        }
        source.Line("];");
        source.Close();
        return source.ToString();
    }

    public static string Cref(string type) => type.Replace("global::", "");
}
