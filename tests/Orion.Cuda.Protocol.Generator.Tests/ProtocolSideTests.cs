using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Orion.Cuda.Protocol.Description;

namespace Orion.Cuda.Protocol.Generator.Tests;

/// <summary>
/// The server and client sides, generated from the real protocol in the referenced
/// Orion.Cuda.Protocol.dll. The marked classes here lack the hand-written members the generated code
/// calls (RequireReply, the area handlers, ...), so the output does not compile: these tests read
/// the generated text.
/// </summary>
public sealed class ProtocolSideTests
{
    private const string Malformed = "throw new global::Orion.Cuda.Protocol.Wire.ProtocolException";

    private const string Dispatcher = """
        using Orion.Cuda.Protocol.Description;

        namespace Generator.Samples.Server;

        [RemoteCallDispatcher]
        internal sealed partial class SampleDispatcher
        {
        }
        """;

    private const string Client = """
        using Orion.Cuda.Protocol.Description;

        namespace Generator.Samples.Client;

        [RemoteCallClient]
        internal sealed partial class SampleClient
        {
        }
        """;

    /// <summary>The calls of the real protocol with at least one request field that has a [Limit].</summary>
    private static List<RemoteCallInfo> LimitedCalls =>
        [.. RemoteCallCatalog.Calls.Where(c => c.Parameters.Any(p => p.Limit is not null && p.Direction is ParameterDirection.In or ParameterDirection.InOut))];

    [Fact]
    public void Dispatcher_HasOneCasePerDescribedCall()
    {
        var run = GeneratorHarness.Run(Dispatcher);

        Assert.True(run.GeneratorDiagnostics.Count == 0, GeneratorRun.Describe(run.GeneratorDiagnostics));
        // Descriptions come from the referenced assembly, so this compilation gets no opcode list of its own.
        Assert.False(run.Generated("Opcode.g.cs"));
        var text = run.Source("SampleDispatcher.Dispatch.g.cs");
        Assert.Contains("namespace Generator.Samples.Server;", text, StringComparison.Ordinal);
        Assert.Contains("partial class SampleDispatcher", text, StringComparison.Ordinal);

        var cases = text.Split('\n').Select(line => line.Trim()).Where(line => line.StartsWith("case ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(RemoteCallCatalog.Calls);
        Assert.Equal(RemoteCallCatalog.Calls.Count, cases.Count);
        foreach (var call in RemoteCallCatalog.Calls)
        {
            Assert.Contains($"case global::Orion.Cuda.Protocol.Wire.Opcode.{call.Name}: {call.Name}(header, ref body); break;", cases);
        }
        // An opcode nobody described is a malformed record.
        Assert.Contains($"default: {Malformed}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerDecoder_ChecksEveryLimit_BeforeTheHandlerRuns()
    {
        var run = GeneratorHarness.Run(Dispatcher);
        var decoders = Methods(run.Source("SampleDispatcher.Dispatch.g.cs"));

        var limited = LimitedCalls;
        Assert.Contains(limited, c => c.Name == "CopyDeviceToDevice");
        foreach (var call in limited)
        {
            var body = decoders[call.Name];
            var handler = body.IndexOf($".{call.Name}(", StringComparison.Ordinal);
            Assert.True(handler > 0, $"{call.Name}: the decoder does not call its handler");
            // Bulk data is set up (BeginIncoming/BeginOutgoing: buffers, a reply announced) only after the checks too.
            var bulk = call.Bulk switch
            {
                BulkDirection.ToServer => body.IndexOf("BeginIncoming(", StringComparison.Ordinal),
                BulkDirection.ToClient => body.IndexOf("BeginOutgoing(", StringComparison.Ordinal),
                _ => handler,
            };
            Assert.True(bulk > 0, $"{call.Name}: the decoder does not set up its bulk data");
            foreach (var parameter in call.Parameters.Where(p => p.Limit is not null && p.Direction is ParameterDirection.In or ParameterDirection.InOut))
            {
                var check = body.IndexOf($"if (@{parameter.Name} > {parameter.Limit}UL) {Malformed}(", StringComparison.Ordinal);
                Assert.True(check >= 0, $"{call.Name}: no limit check for {parameter.Name}:\n{body}");
                Assert.True(check < handler, $"{call.Name}: {parameter.Name} is checked after the handler runs:\n{body}");
                Assert.True(check < bulk, $"{call.Name}: {parameter.Name} is checked after its bulk data is set up:\n{body}");
            }
        }
    }

    [Fact]
    public void Client_ChecksEveryLimit_BeforeTheRecordIsBegun()
    {
        var run = GeneratorHarness.Run(Client);
        Assert.True(run.GeneratorDiagnostics.Count == 0, GeneratorRun.Describe(run.GeneratorDiagnostics));
        var encoders = Methods(run.Source("SampleClient.RemoteCalls.g.cs"));

        Assert.Equal(RemoteCallCatalog.Calls.Select(c => c.Name).Order(), encoders.Keys.Where(k => k != "RemoteCalls").Order());
        foreach (var call in LimitedCalls)
        {
            var body = encoders[call.Name];
            var begin = body.IndexOf("_client.Begin(", StringComparison.Ordinal);
            Assert.True(begin > 0, $"{call.Name}: the encoder does not begin a record");
            foreach (var parameter in call.Parameters.Where(p => p.Limit is not null && p.Direction is ParameterDirection.In or ParameterDirection.InOut))
            {
                var check = body.IndexOf($"if (@{parameter.Name} > {parameter.Limit}UL) return global::Orion.Cuda.Protocol.CudaStatus.InvalidValue;", StringComparison.Ordinal);
                Assert.True(check >= 0, $"{call.Name}: no limit check for {parameter.Name}:\n{body}");
                Assert.True(check < begin, $"{call.Name}: {parameter.Name} is checked after the record is begun:\n{body}");
            }
        }
    }

    /// <summary>The calls of the real protocol with an array field in the request.</summary>
    private static List<RemoteCallInfo> RequestArrayCalls =>
        [.. RemoteCallCatalog.Calls.Where(c => c.Parameters.Any(p => p.MaxCount is not null && p.Direction == ParameterDirection.In))];

    [Fact]
    public void ServerDecoder_ChecksRequestArrayCounts_BeforeAllocatingThem()
    {
        var run = GeneratorHarness.Run(Dispatcher);
        var decoders = Methods(run.Source("SampleDispatcher.Dispatch.g.cs"));

        var calls = RequestArrayCalls;
        Assert.Contains(calls, c => c.Name == "AddKernelNode");
        foreach (var call in calls)
        {
            var body = decoders[call.Name];
            var handler = body.IndexOf($".{call.Name}(", StringComparison.Ordinal);
            foreach (var parameter in call.Parameters.Where(p => p.MaxCount is not null && p.Direction == ParameterDirection.In))
            {
                // Against the limit and against what the record holds, so a lying count allocates nothing.
                var check = body.IndexOf($"if ({parameter.Name}Count > {parameter.MaxCount} || (ulong){parameter.Name}Count * ", StringComparison.Ordinal);
                var allocation = body.IndexOf($"var @{parameter.Name} = new ", StringComparison.Ordinal);
                Assert.True(check >= 0, $"{call.Name}: no count check for {parameter.Name}:\n{body}");
                Assert.Contains("> (ulong)body.Remaining) " + Malformed, body[check..], StringComparison.Ordinal);
                Assert.True(check < allocation && allocation < handler, $"{call.Name}: {parameter.Name} is allocated before its count is checked:\n{body}");
            }
        }
    }

    [Fact]
    public void Client_ChecksRequestArrayCounts_BeforeTheRecordIsBegun()
    {
        var run = GeneratorHarness.Run(Client);
        var encoders = Methods(run.Source("SampleClient.RemoteCalls.g.cs"));

        foreach (var call in RequestArrayCalls)
        {
            var body = encoders[call.Name];
            var begin = body.IndexOf("_client.Begin(", StringComparison.Ordinal);
            foreach (var parameter in call.Parameters.Where(p => p.MaxCount is not null && p.Direction == ParameterDirection.In))
            {
                var check = body.IndexOf($"if (@{parameter.Name} is null || @{parameter.Name}.Length > {parameter.MaxCount}) return global::Orion.Cuda.Protocol.CudaStatus.InvalidValue;",
                    StringComparison.Ordinal);
                Assert.True(check >= 0 && check < begin, $"{call.Name}: {parameter.Name}'s count is not checked before the record is begun:\n{body}");
                Assert.Contains($"writer.WriteUInt32((uint)@{parameter.Name}.Length);", body, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>The generated methods (and constructors) by name, each as its body's text.</summary>
    private static Dictionary<string, string> Methods(string generated)
    {
        var root = CSharpSyntaxTree.ParseText(generated).GetRoot();
        var methods = root.DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Select(m => (m.Identifier.Text, Body: m.Body?.ToString() ?? m.ExpressionBody?.ToString() ?? ""));
        var constructors = root.DescendantNodes().OfType<ConstructorDeclarationSyntax>()
            .Select(c => (c.Identifier.Text, Body: c.Body?.ToString() ?? c.ExpressionBody?.ToString() ?? ""));
        return methods.Concat(constructors).ToDictionary(m => m.Text, m => m.Body);
    }
}
