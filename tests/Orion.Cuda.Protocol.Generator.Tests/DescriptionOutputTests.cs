using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Orion.Cuda.Protocol.Description;

namespace Orion.Cuda.Protocol.Generator.Tests;

/// <summary>The assembly that declares call areas gets the opcode list and the catalog.</summary>
public sealed class DescriptionOutputTests
{
    // Two areas, declared out of opcode order (areas are emitted by their first opcode, calls by
    // opcode), covering every parameter form the reader accepts: integers, a closed enum, a handle,
    // a string, a byte field, an IWireValue struct, an array of one, bulk data both ways, a 2D bulk
    // size, and FlushAtOnce on an asynchronous call.
    private const string ValidDescription = """
        using System;
        using Orion.Cuda.Protocol;
        using Orion.Cuda.Protocol.Description;

        namespace Generator.Samples;

        public enum Shade : byte { Light = 1, Dark = 2 }

        [RemoteCallArea("Gadgets")]
        public interface IGadgetCalls
        {
            [RemoteCall(41, CallMode.Synchronous)]
            CudaStatus Measure(Dim3 extent, [MaxCount(8)] out Dim3[] parts);

            [RemoteCall(40, CallMode.Asynchronous, FlushAtOnce = true)]
            CudaStatus Mark([Handle(HandleKind.HostFunctionMarker, New = true)] ulong marker, Shade shade);

            [RemoteCall(42, CallMode.Synchronous, Bulk = BulkDirection.ToClient)]
            CudaStatus Download(ulong source, [BulkSize(BulkSizePart.RowBytes), Limit(4096)] ulong rowBytes,
                [BulkSize(BulkSizePart.Rows), Limit(512)] ulong rows, OutgoingData data);
        }

        [RemoteCallArea("Widgets")]
        public interface IWidgetCalls
        {
            [RemoteCall(7, CallMode.Synchronous)]
            CudaStatus Spin(uint widget, [Limit(4096)] ulong turns, out ulong angle, ref int speed);

            [RemoteCall(3, CallMode.Asynchronous)]
            CudaStatus Rename([Handle(HandleKind.Stream)] ulong stream, [MaxBytes(64)] string name, [MaxBytes(256)] ReadOnlySpan<byte> tag);

            [RemoteCall(5, CallMode.Synchronous, Bulk = BulkDirection.ToServer)]
            CudaStatus Upload(ulong destination, [BulkSize(BulkSizePart.Bytes), Limit(1024)] ulong bytes, IncomingData data);
        }
        """;

    [Fact]
    public void ValidDescription_ProducesOpcodesAndCatalog_WithoutDiagnostics()
    {
        var run = GeneratorHarness.Run(ValidDescription);

        Assert.True(run.GeneratorDiagnostics.Count == 0, GeneratorRun.Describe(run.GeneratorDiagnostics));
        Assert.True(run.Generated("Opcode.g.cs"));
        Assert.True(run.Generated("RemoteCallCatalog.g.cs"));
        // A compilation that only references the protocol and declares no client or server gets none of their code.
        Assert.DoesNotContain(run.Result.GeneratedSources, s => s.HintName.EndsWith(".Dispatch.g.cs", StringComparison.Ordinal)
            || s.HintName.EndsWith(".RemoteCalls.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void Opcode_HasOneMemberPerCall_WithItsOpcode()
    {
        var run = GeneratorHarness.Run(ValidDescription);

        // The generated enum, not Orion.Cuda.Protocol's own (which the compilation also references).
        var opcode = run.Output.Assembly.GetTypeByMetadataName("Orion.Cuda.Protocol.Wire.Opcode");
        Assert.NotNull(opcode);
        Assert.Equal(TypeKind.Enum, opcode.TypeKind);
        Assert.Equal(SpecialType.System_UInt16, opcode.EnumUnderlyingType!.SpecialType);
        var members = opcode.GetMembers().OfType<IFieldSymbol>().ToDictionary(f => f.Name, f => Convert.ToInt32(f.ConstantValue, System.Globalization.CultureInfo.InvariantCulture));
        var expected = new Dictionary<string, int>
        {
            ["Rename"] = 3,
            ["Upload"] = 5,
            ["Spin"] = 7,
            ["Mark"] = 40,
            ["Measure"] = 41,
            ["Download"] = 42,
        };
        Assert.Equal(expected.OrderBy(p => p.Key), members.OrderBy(p => p.Key));

        // In opcode order: the Widgets area (first opcode 3) before Gadgets (40), calls sorted within each.
        var text = run.Source("Opcode.g.cs");
        var order = new[] { "// Widgets", "Rename = 3,", "Upload = 5,", "Spin = 7,", "// Gadgets", "Mark = 40,", "Measure = 41,", "Download = 42," }
            .Select(line => text.IndexOf(line, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
    }

    [Fact]
    public void OutputCompilation_HasNoErrors()
    {
        var run = GeneratorHarness.Run(ValidDescription);
        var diagnostics = run.Output.GetDiagnostics();

        Assert.True(!diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error), GeneratorRun.Describe(diagnostics));
        // The generator writes Opcode and RemoteCallCatalog into the protocol's own namespaces, as it
        // does when it runs in Orion.Cuda.Protocol itself; here the attributes come from the referenced
        // Orion.Cuda.Protocol.dll, which has both types too. Wherever code names one of them the
        // compiler picks the source type and warns (CS0436). Nothing in this sample names them, so
        // today the output has no warning at all, but CS0436 is the expected consequence of testing
        // against the real dll (renaming the test interfaces cannot avoid it: the generated names are
        // fixed), so that one warning is allowed and any other is not.
        Assert.True(diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).All(d => d.Id == "CS0436"), GeneratorRun.Describe(diagnostics));
    }

    [Fact]
    public void Catalog_DescribesEveryCallAndParameter()
    {
        var run = GeneratorHarness.Run(ValidDescription);
        var calls = LoadCatalog(run.Output);

        Assert.Equal(["Rename", "Upload", "Spin", "Mark", "Measure", "Download"], calls.Select(c => c.Name));
        Assert.Equal(["Widgets", "Widgets", "Widgets", "Gadgets", "Gadgets", "Gadgets"], calls.Select(c => c.Area));

        var spin = calls.Single(c => c.Name == "Spin");
        Assert.Equal((ushort)7, spin.Opcode);
        Assert.Equal(CallMode.Synchronous, spin.Mode);
        Assert.Equal(BulkDirection.None, spin.Bulk);
        Assert.Equal(["widget", "turns", "angle", "speed"], spin.Parameters.Select(p => p.Name));
        Assert.Equal([ParameterDirection.In, ParameterDirection.In, ParameterDirection.Out, ParameterDirection.InOut], spin.Parameters.Select(p => p.Direction));
        Assert.Equal([4, 8, 8, 4], spin.Parameters.Select(p => p.FixedBytes));
        Assert.Equal(4096UL, spin.Parameters[1].Limit);
        Assert.Null(spin.Parameters[0].Limit);

        var rename = calls.Single(c => c.Name == "Rename");
        Assert.Equal(CallMode.Asynchronous, rename.Mode);
        Assert.Equal(HandleKind.Stream, rename.Parameters[0].Handle);
        Assert.False(rename.Parameters[0].NewHandle);
        Assert.Equal(64, rename.Parameters[1].MaxBytes);
        Assert.Equal(0, rename.Parameters[1].FixedBytes);
        Assert.Equal(256, rename.Parameters[2].MaxBytes);

        var upload = calls.Single(c => c.Name == "Upload");
        Assert.Equal(BulkDirection.ToServer, upload.Bulk);
        Assert.Equal(BulkSizePart.Bytes, upload.Parameters[1].BulkSize);
        Assert.Equal(1024UL, upload.Parameters[1].Limit);
        Assert.Equal(ParameterDirection.Bulk, upload.Parameters[2].Direction);

        var mark = calls.Single(c => c.Name == "Mark");
        Assert.True(mark.FlushAtOnce);
        Assert.Equal(HandleKind.HostFunctionMarker, mark.Parameters[0].Handle);
        Assert.True(mark.Parameters[0].NewHandle);
        Assert.Equal(1, mark.Parameters[1].FixedBytes); // a byte-backed enum

        var measure = calls.Single(c => c.Name == "Measure");
        Assert.Equal(12, measure.Parameters[0].FixedBytes); // Dim3.WireBytes
        Assert.Equal("Orion.Cuda.Protocol.Dim3[]", measure.Parameters[1].WireType);
        Assert.Equal(8, measure.Parameters[1].MaxCount);

        var download = calls.Single(c => c.Name == "Download");
        Assert.Equal(BulkDirection.ToClient, download.Bulk);
        Assert.Equal([BulkSizePart.RowBytes, BulkSizePart.Rows], download.Parameters.Where(p => p.BulkSize is not null).Select(p => p.BulkSize!.Value));
    }

    /// <summary>Emits the output compilation, loads it on its own and reads its generated RemoteCallCatalog.Calls.</summary>
    private static List<RemoteCallInfo> LoadCatalog(Compilation output)
    {
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, GeneratorRun.Describe(emitted.Diagnostics));
        image.Position = 0;

        // Orion.Cuda.Protocol itself resolves to the copy the tests already loaded, so RemoteCallInfo is the same type here and there.
        var context = new AssemblyLoadContext("generated catalog", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(image);
            var catalog = assembly.GetType("Orion.Cuda.Protocol.Description.RemoteCallCatalog", throwOnError: true)!;
            var calls = (IReadOnlyList<RemoteCallInfo>)catalog.GetProperty("Calls", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            return [.. calls];
        }
        finally
        {
            context.Unload();
        }
    }
}
