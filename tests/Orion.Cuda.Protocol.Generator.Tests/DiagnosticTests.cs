using Microsoft.CodeAnalysis;

namespace Orion.Cuda.Protocol.Generator.Tests;

/// <summary>
/// Each description the generator refuses: the diagnostic's id, where it points (the offending
/// parameter, or the call's name for the call's shape), and that only the offending call is left out.
/// </summary>
public sealed class DiagnosticTests
{
    /// <summary>One area with a valid call, <c>Good</c> (opcode 1), and the members under test.</summary>
    private static string Area(string members) => $$"""
        using System;
        using Orion.Cuda.Protocol;
        using Orion.Cuda.Protocol.Description;

        namespace Generator.Samples;

        public sealed class Widget
        {
        }

        [RemoteCallArea("Samples")]
        public interface ISampleCalls
        {
            [RemoteCall(1, CallMode.Synchronous)]
            CudaStatus Good(uint value, out ulong result);

        {{members}}
        }
        """;

    public static TheoryData<string, string, string, string> Refused => new()
    {
        // ORION001: a parameter type with no wire encoding.
        { "ORION001", "[RemoteCall(2, CallMode.Synchronous)] CudaStatus Bad(object payload);", "payload", "has no wire encoding" },
        { "ORION001", "[RemoteCall(2, CallMode.Synchronous)] CudaStatus Bad(ulong address, Widget widget);", "widget", "has no wire encoding" },
        { "ORION001", "[RemoteCall(2, CallMode.Asynchronous)] CudaStatus Bad(ulong[] addresses);", "addresses", "has no wire encoding" },
        { "ORION001", "[RemoteCall(2, CallMode.Synchronous)] CudaStatus Bad(in ulong address);", "address", "only in, out and ref parameters" },
        // ORION002: an opcode already taken, in the same area...
        { "ORION002", "[RemoteCall(1, CallMode.Synchronous)] CudaStatus Bad();", "Bad", "Opcode 1 of Bad is already used by Good" },
        // ORION003: a length or count without its limit.
        { "ORION003", "[RemoteCall(2, CallMode.Synchronous)] CudaStatus Bad(string name);", "name", "needs [MaxBytes]" },
        { "ORION003", "[RemoteCall(2, CallMode.Asynchronous)] CudaStatus Bad(ReadOnlySpan<byte> bytes);", "bytes", "needs [MaxBytes]" },
        { "ORION003", "[RemoteCall(2, CallMode.Synchronous)] CudaStatus Bad(ulong address, out Dim3[] extents);", "extents", "needs [MaxCount]" },
        { "ORION003", "[RemoteCall(2, CallMode.Asynchronous)] CudaStatus Bad(Dim3[] extents);", "extents", "needs [MaxCount]" },
        {
            "ORION003",
            "[RemoteCall(2, CallMode.Synchronous, Bulk = BulkDirection.ToServer)] CudaStatus Bad(ulong destination, [BulkSize(BulkSizePart.Bytes)] ulong bytes, IncomingData data);",
            "bytes", "needs [Limit]"
        },
        // ORION004: a call shape the wire does not carry.
        { "ORION004", "[RemoteCall(2, CallMode.Asynchronous)] CudaStatus Bad(uint value, out ulong result);", "Bad", "only a synchronous call" },
        {
            "ORION004",
            "[RemoteCall(2, CallMode.Synchronous, Bulk = BulkDirection.ToServer)] CudaStatus Bad(ulong destination, [BulkSize(BulkSizePart.Bytes), Limit(1024)] ulong bytes);",
            "Bad", "one IncomingData or OutgoingData parameter"
        },
        {
            "ORION004",
            "[RemoteCall(2, CallMode.Synchronous, Bulk = BulkDirection.ToClient)] CudaStatus Bad(ulong source, [BulkSize(BulkSizePart.Bytes), Limit(1024)] ulong bytes);",
            "Bad", "one IncomingData or OutgoingData parameter"
        },
        { "ORION004", "[RemoteCall(2, CallMode.Synchronous, FlushAtOnce = true)] CudaStatus Bad(uint value);", "Bad", "FlushAtOnce is for asynchronous calls" },
        { "ORION004", "[RemoteCall(2, CallMode.Synchronous)] CudaStatus Bad([MaxCount(4)] ref Dim3[] extents);", "Bad", "in the request or in the reply, not both" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void RefusedDescription_ReportsItsDiagnostic_AtTheOffendingDeclaration(string id, string member, string pointsAt, string saying)
    {
        var run = GeneratorHarness.Run(Area(member));

        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(pointsAt, GeneratorRun.TextAt(diagnostic));
        Assert.Contains(saying, GeneratorRun.Message(diagnostic), StringComparison.Ordinal);
        Assert.Contains("Bad", GeneratorRun.Message(diagnostic), StringComparison.Ordinal);

        // The refused call is left out; the rest of the area is still generated.
        var opcodes = run.Source("Opcode.g.cs");
        Assert.Contains("Good = 1,", opcodes, StringComparison.Ordinal);
        Assert.DoesNotContain("Bad =", opcodes, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateOpcode_AcrossAreas_IsReportedOnTheLaterArea()
    {
        const string source = """
            using Orion.Cuda.Protocol;
            using Orion.Cuda.Protocol.Description;

            namespace Generator.Samples;

            [RemoteCallArea("Later")]
            public interface ILaterCalls
            {
                [RemoteCall(9, CallMode.Synchronous)]
                CudaStatus Clash();
            }

            [RemoteCallArea("Earlier")]
            public interface IEarlierCalls
            {
                [RemoteCall(2, CallMode.Synchronous)]
                CudaStatus First();

                [RemoteCall(9, CallMode.Asynchronous)]
                CudaStatus Taken();
            }
            """;
        var run = GeneratorHarness.Run(source);

        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("ORION002", diagnostic.Id);
        Assert.Equal("Clash", GeneratorRun.TextAt(diagnostic));
        Assert.Equal("Opcode 9 of Clash is already used by Taken", GeneratorRun.Message(diagnostic));
        Assert.Contains("Taken = 9,", run.Source("Opcode.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryRefusal_IsReported_NotOnlyTheFirst()
    {
        var run = GeneratorHarness.Run(Area("""
                [RemoteCall(2, CallMode.Synchronous)] CudaStatus BadType(object payload);
                [RemoteCall(1, CallMode.Synchronous)] CudaStatus BadOpcode();
                [RemoteCall(3, CallMode.Synchronous)] CudaStatus BadLimit(string name);
                [RemoteCall(4, CallMode.Synchronous, FlushAtOnce = true)] CudaStatus BadShape();
            """));

        Assert.Equal(["ORION001", "ORION002", "ORION003", "ORION004"], run.GeneratorDiagnostics.Select(d => d.Id).Order());
        Assert.Equal(["BadOpcode", "BadShape", "name", "payload"], run.GeneratorDiagnostics.Select(GeneratorRun.TextAt).Order());
    }
}
