using System.Linq;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>
/// The server side: in the marked dispatcher class, <c>Dispatch</c> (one line per opcode) and one
/// method per call that checks the record's request id, decodes every field against its limit
/// before anything is allocated or run, hands the call to its area's handler, and encodes the
/// reply (or latches the failure of an asynchronous call).
/// </summary>
internal static class ServerEmitter
{
    private const string Header = "global::Orion.Cuda.Protocol.Wire.RequestHeader";
    private const string Reader = "global::Orion.Cuda.Protocol.Wire.ProtocolReader";

    public static string Emit(string? space, string className, EquatableArray<AreaModel> areas)
    {
        var source = new SourceBuilder();
        if (space is not null)
        {
            source.Line($"namespace {space};").Line();
        }
        source.Open($"partial class {className}");
        source.Line("/// <summary>Runs one record: hands it to the decoder of its call.</summary>");
        source.Open($"private void Dispatch(in {Header} header, ref {Reader} body)");
        source.Open("switch (header.Opcode)");
        foreach (var call in areas.SelectMany(a => a.Calls))
        {
            source.Line($"case {WireCode.OpcodeType}.{call.Name}: {call.Name}(header, ref body); break;");
        }
        source.Line($"default: throw new {WireCode.ProtocolExceptionType}($\"unknown opcode {{(ushort)header.Opcode}}\");");
        source.Close();
        source.Close();
        foreach (var area in areas)
        {
            foreach (var call in area.Calls)
            {
                source.Line();
                EmitCall(source, "_" + WireCode.Camel(area.Name), call);
            }
        }
        source.Close();
        return source.ToString();
    }

    private static void EmitCall(SourceBuilder source, string handler, CallModel call)
    {
        source.Open($"private void {call.Name}(in {Header} header, ref {Reader} body)");
        source.Line(call.CarriesRequestId ? $"RequireReply(header, \"{call.Name}\");" : $"RequireNoReply(header, \"{call.Name}\");");
        foreach (var p in call.Parameters.Where(p => p.Direction is Direction.In or Direction.InOut))
        {
            var id = WireCode.Id(p.Name);
            if (p.Kind == WireKind.WireValueArray)
            {
                // The count is checked against its limit and against what the record holds before the array is allocated.
                source.Line($"var {p.Name}Count = body.ReadUInt32();");
                source.Line($"if ({p.Name}Count > {p.MaxCount} || (ulong){p.Name}Count * (ulong){p.Type}.WireBytes > (ulong)body.Remaining) throw new {WireCode.ProtocolExceptionType}($\"{call.Name}: {p.Name} count {{{p.Name}Count}} is over its limit of {p.MaxCount} or longer than the record\");");
                source.Line($"var {id} = new {p.Type}[{p.Name}Count];");
                source.Line($"for (var i = 0; i < {id}.Length; i++) {id}[i] = {p.Type}.Read(ref body);");
                continue;
            }
            source.Line($"var {id} = {WireCode.Read(p, "body")};");
            if (WireCode.Violation(p, id) is { } violation)
            {
                source.Line($"if ({violation}) throw new {WireCode.ProtocolExceptionType}($\"{call.Name}: {p.Name} {{{id}}} is {(p.Limit is { } limit ? $"over its limit of {limit}" : "not a defined value")}\");");
            }
        }
        var bulk = call.BulkData;
        if (bulk?.Kind != WireKind.Incoming)
        {
            source.Line($"body.ExpectEnd(\"{call.Name}\");");
        }
        if (bulk is not null)
        {
            var row = call.BulkRowBytes!;
            var rows = call.BulkRows;
            if (rows is not null)
            {
                source.Line($"if ((global::System.UInt128){WireCode.Id(row.Name)} * {WireCode.Id(rows.Name)} > {WireCode.Limits}.MaxTransferBytes) throw new {WireCode.ProtocolExceptionType}(\"{call.Name}: {row.Name} x {rows.Name} is over the transfer limit\");");
            }
            var layout = rows is null
                ? $"global::Orion.Cuda.Protocol.Wire.BulkLayout.Contiguous({WireCode.Id(row.Name)}, ChunkBytes)"
                : $"global::Orion.Cuda.Protocol.Wire.BulkLayout.ForRows({WireCode.Id(row.Name)}, {WireCode.Id(rows.Name)}, ChunkBytes)";
            if (bulk.Kind == WireKind.Incoming)
            {
                // Small data is the rest of the record; larger data follows as bulk.
                source.Line($"var {WireCode.Id(bulk.Name)} = BeginIncoming({layout}, ref body);");
                source.Line($"body.ExpectEnd(\"{call.Name}\");");
            }
            else
            {
                source.Line($"var {WireCode.Id(bulk.Name)} = BeginOutgoing(header, {layout});");
            }
        }
        var arguments = string.Join(", ", call.Parameters.Select(p => p.Direction switch
        {
            Direction.Out => $"out var {WireCode.Id(p.Name)}",
            Direction.InOut => $"ref {WireCode.Id(p.Name)}",
            _ => WireCode.Id(p.Name),
        }));
        if (bulk?.Kind == WireKind.Outgoing)
        {
            // The handler holds the session's send lock from its announcement on: it is released
            // here whatever happens, or a host-function notification would wait forever.
            source.Line($"var status = {WireCode.Status}.Unknown;");
            source.Open("try");
            source.Line($"status = {handler}.{call.Name}({arguments});");
            source.Close();
            source.Open("finally");
            source.Line("EndOutgoing(header, status);");
            source.Close();
            source.Close();
            return;
        }
        source.Line($"var status = {handler}.{call.Name}({arguments});");
        if (bulk?.Kind == WireKind.Incoming)
        {
            source.Line("EndIncoming(); // drops what the handler did not take, so the connection stays in step");
        }
        if (call.IsSynchronous)
        {
            source.Line("var start = BeginReply(header, status);");
            var outs = call.Parameters.Where(p => p.Direction is Direction.Out or Direction.InOut).ToList();
            if (outs.Count > 0)
            {
                source.Line("var replies = Replies;");
            }
            foreach (var p in outs)
            {
                var id = WireCode.Id(p.Name);
                if (p.Kind == WireKind.WireValueArray)
                {
                    source.Line($"if ({id}.Length > {p.MaxCount}) throw new global::System.InvalidOperationException(\"{call.Name}: the handler returned more {p.Name} than the protocol carries\");");
                    source.Line($"replies.WriteUInt32((uint){id}.Length);");
                    source.Line($"foreach (var item in {id}) item.Write(replies);");
                }
                else
                {
                    source.Line(WireCode.Write(p, "replies", id));
                }
            }
            source.Line("EndReply(start);");
        }
        else
        {
            source.Line("Latch(status);");
        }
        source.Close();
    }
}
