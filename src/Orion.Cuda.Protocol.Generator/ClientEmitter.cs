using System.Linq;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>
/// The client side: a nested <c>RemoteCalls</c> struct in the marked client class with one method per
/// call. Each checks the request's limits (a violation is <c>InvalidValue</c>, nothing is sent),
/// encodes the record into the batch, and for a synchronous call waits and decodes the reply
/// strictly (a malformed reply fails the connection).
/// </summary>
internal static class ClientEmitter
{
    private const string HostBuffer = "global::Orion.Cuda.Remote.Client.HostBuffer";

    public static string Emit(string? space, string className, EquatableArray<AreaModel> areas)
    {
        var source = new SourceBuilder();
        if (space is not null)
        {
            source.Line($"namespace {space};").Line();
        }
        source.Open($"partial class {className}");
        source.Line("/// <summary>The described calls, encoded for the wire (generated from Orion.Cuda.Protocol.Calls).</summary>");
        source.Line("private RemoteCalls Remote => new(this);").Line();
        source.Line("/// <summary>One method per described call; the public API above them adds what is local to the client.</summary>");
        source.Open("internal readonly struct RemoteCalls");
        source.Line($"private readonly {className} _client;").Line();
        source.Line($"internal RemoteCalls({className} client) => _client = client;");
        foreach (var call in areas.SelectMany(a => a.Calls))
        {
            source.Line();
            EmitCall(source, call);
        }
        source.Close();
        source.Close();
        return source.ToString();
    }

    private static void EmitCall(SourceBuilder source, CallModel call)
    {
        var parameters = string.Join(", ", call.Parameters.Select(Declaration));
        source.Line($"/// <summary><see cref=\"{CatalogEmitter.Cref(call.InterfaceType)}.{call.Name}\"/>.</summary>");
        source.Open($"public {WireCode.Status} {call.Name}({parameters})");
        foreach (var p in call.Parameters.Where(p => p.Direction == Direction.Out))
        {
            source.Line($"{WireCode.Id(p.Name)} = {DefaultOf(p)};");
        }
        EmitRequestChecks(source, call);
        var opcode = $"{WireCode.OpcodeType}.{call.Name}";
        var (rowBytes, rows) = BulkSize(call);
        if (call.Bulk == BulkDirection.ToServer)
        {
            var host = WireCode.Id(call.BulkData!.Name);
            if (call.IsSynchronous)
            {
                source.Line("var call = _client.RentCall();");
                source.Line($"{WireCode.Status} status;");
            }
            // Small data travels inside its record, batched like any call; larger data follows the record as bulk.
            source.Open($"if (global::Orion.Cuda.Remote.Client.RemoteCudaClient.TravelsInline({rowBytes}, {rows}))");
            source.Line($"var record = _client.Begin({opcode}, {(call.IsSynchronous ? "call.RequestId" : "0")});");
            EmitWrites(source, call);
            source.Line($"global::Orion.Cuda.Remote.Client.RemoteCudaClient.WriteInline(record.Writer, {host}, {rowBytes}, {rows});");
            source.Line(call.IsSynchronous ? "status = _client.Complete(call, record.End().Sequence);" : "return _client.EndAsync(ref record);");
            source.Close();
            if (call.IsSynchronous)
            {
                source.Open("else");
            }
            source.Open("lock (_client._writerGate)");
            source.Line($"var record = _client.Begin({opcode}, {(call.IsSynchronous ? "call.RequestId" : "0")});");
            EmitWrites(source, call);
            source.Line("record.End();");
            source.Line("// The data must follow the message that announces it, so the batch goes out now.");
            source.Line("_client.WriteBatchLocked();");
            source.Line($"_client.SendBulkLocked({host}, {rowBytes}, {rows});");
            source.Close();
            if (call.IsSynchronous)
            {
                source.Line("status = _client.AwaitReply(call);");
                source.Close();
                EmitReplyDecode(source, call);
                source.Line("_client.ReturnCall(call);");
                source.Line("return status;");
            }
            else
            {
                source.Line("return _client.ConnectionStatus;");
            }
        }
        else if (call.Bulk == BulkDirection.ToClient)
        {
            var host = WireCode.Id(call.BulkData!.Name);
            source.Line("var call = _client.RentCall();");
            source.Line($"call.ExpectData({host}, {rowBytes}, {rows});");
            if (!call.IsSynchronous)
            {
                source.Line("_client.Detach(call); // nobody waits: the receive loop lands the data and recycles the call");
            }
            source.Line($"var record = _client.Begin({opcode}, call.RequestId);");
            EmitWrites(source, call);
            if (call.IsSynchronous)
            {
                source.Line("var status = _client.Complete(call, record.End().Sequence);");
                source.Line("_client.ReturnCall(call);");
                source.Line("return status;");
            }
            else
            {
                source.Line("return _client.EndAsync(ref record);");
            }
        }
        else if (call.IsSynchronous)
        {
            source.Line("var call = _client.RentCall();");
            source.Line($"var record = _client.Begin({opcode}, call.RequestId);");
            EmitWrites(source, call);
            source.Line("var status = _client.Complete(call, record.End().Sequence);");
            EmitReplyDecode(source, call);
            source.Line("_client.ReturnCall(call);");
            source.Line("return status;");
        }
        else
        {
            source.Line($"var record = _client.Begin({opcode}, 0);");
            EmitWrites(source, call);
            source.Line(call.FlushAtOnce ? "return _client.EndAndFlush(ref record);" : "return _client.EndAsync(ref record);");
        }
        source.Close();
    }

    private static string Declaration(ParameterModel p)
    {
        var type = p.Kind switch
        {
            WireKind.Incoming or WireKind.Outgoing => HostBuffer,
            WireKind.WireValueArray => p.Type + "[]",
            _ => p.Type,
        };
        var prefix = p.Direction switch
        {
            Direction.Out => "out ",
            Direction.InOut => "ref ",
            _ => "",
        };
        return $"{prefix}{type} {WireCode.Id(p.Name)}";
    }

    private static string DefaultOf(ParameterModel p) => p.Kind switch
    {
        WireKind.WireValueArray => $"global::System.Array.Empty<{p.Type}>()",
        WireKind.String => "\"\"",
        _ => "default",
    };

    /// <summary>The bulk size as C# expressions: row bytes and rows (one row for contiguous data).</summary>
    private static (string RowBytes, string Rows) BulkSize(CallModel call) =>
        call.BulkRowBytes is not { } row ? ("0UL", "0UL")
        : (WireCode.Id(row.Name), call.BulkRows is { } rows ? WireCode.Id(rows.Name) : "1UL");

    /// <summary>Limits are checked before the record is begun: nothing half-written, nothing sent.</summary>
    private static void EmitRequestChecks(SourceBuilder source, CallModel call)
    {
        foreach (var p in call.Parameters.Where(p => p.Direction is Direction.In or Direction.InOut))
        {
            var id = WireCode.Id(p.Name);
            var check = p.Kind switch
            {
                WireKind.String => $"{id} is null || global::System.Text.Encoding.UTF8.GetByteCount({id}) > {p.MaxBytes}",
                WireKind.Bytes => $"{id}.Length > {p.MaxBytes}",
                WireKind.WireValueArray => $"{id} is null || {id}.Length > {p.MaxCount}",
                _ => WireCode.Violation(p, id),
            };
            if (check is not null)
            {
                source.Line($"if ({check}) return {WireCode.Status}.InvalidValue;");
            }
        }
        var (rowBytes, rows) = BulkSize(call);
        if (call.BulkRows is not null)
        {
            source.Line($"if ((global::System.UInt128){rowBytes} * {rows} > {WireCode.Limits}.MaxTransferBytes) return {WireCode.Status}.InvalidValue;");
        }
    }

    private static void EmitWrites(SourceBuilder source, CallModel call)
    {
        if (!call.Parameters.Any(p => p.Direction is Direction.In or Direction.InOut))
        {
            return;
        }
        source.Line("var writer = record.Writer;");
        foreach (var p in call.Parameters.Where(p => p.Direction is Direction.In or Direction.InOut))
        {
            if (p.Kind == WireKind.WireValueArray)
            {
                source.Line($"writer.WriteUInt32((uint){WireCode.Id(p.Name)}.Length);");
                source.Line($"foreach (var item in {WireCode.Id(p.Name)}) item.Write(writer);");
                continue;
            }
            source.Line(WireCode.Write(p, "writer", WireCode.Id(p.Name)));
        }
    }

    private static void EmitReplyDecode(SourceBuilder source, CallModel call)
    {
        // A reply is decoded in full even when it carries no fields: a body that is not exactly the
        // call's reply is a broken server.
        var outs = call.Parameters.Where(p => p.Direction is Direction.Out or Direction.InOut).ToList();
        source.Open("if (call.Answered)");
        source.Open("try");
        source.Line("var reply = call.Reply;");
        foreach (var p in outs)
        {
            var id = WireCode.Id(p.Name);
            if (p.Kind == WireKind.WireValueArray)
            {
                source.Line($"var {p.Name}Count = reply.ReadUInt32();");
                source.Line($"if ({p.Name}Count > {p.MaxCount} || (ulong){p.Name}Count * (ulong){p.Type}.WireBytes > (ulong)reply.Remaining)");
                source.Line($"    throw new {WireCode.ProtocolExceptionType}($\"{call.Name} reply: {p.Name} count {{{p.Name}Count}} is over its limit ({p.MaxCount}) or longer than the reply\");");
                source.Line($"var {p.Name}Items = new {p.Type}[{p.Name}Count];");
                source.Line($"for (var i = 0; i < {p.Name}Items.Length; i++) {p.Name}Items[i] = {p.Type}.Read(ref reply);");
                source.Line($"{id} = {p.Name}Items;");
            }
            else
            {
                source.Line($"{id} = {WireCode.Read(p, "reply")};");
            }
        }
        source.Line($"reply.ExpectEnd(\"{call.Name} reply\");");
        source.Close();
        source.Open($"catch ({WireCode.ProtocolExceptionType} ex)");
        foreach (var p in outs.Where(p => p.Direction == Direction.Out))
        {
            source.Line($"{WireCode.Id(p.Name)} = {DefaultOf(p)};");
        }
        source.Line("status = _client.MalformedReply(ex);");
        source.Close();
        source.Close();
    }
}
