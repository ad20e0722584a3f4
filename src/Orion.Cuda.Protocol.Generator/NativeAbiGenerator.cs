using System.Linq;
using Microsoft.CodeAnalysis;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>
/// For a project that lists a C ABI header as an additional file with <c>OrionNativeAbi="true"</c>
/// metadata (liborion_client.so lists native/cudart_stub/orion_client.h): one
/// <c>[UnmanagedCallersOnly]</c> export per declared function, with the header's exact signature,
/// that calls the hand-written <c>ClientAbi.&lt;Name&gt;</c> and turns any escaping exception into an
/// error code; and the header's ABI version as a constant. The C side's function table is made
/// from the same header (native/cudart_stub/tools/gen_client_functions.sh).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NativeAbiGenerator : IIncrementalGenerator
{
    private static readonly DiagnosticDescriptor Unreadable = new(
        "ORION005", "Native ABI header not readable", "{0}: {1}", "Orion.NativeAbi", DiagnosticSeverity.Error, isEnabledByDefault: true);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var headers = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Where(static pair => pair.Right.GetOptions(pair.Left).TryGetValue("build_metadata.AdditionalFiles.OrionNativeAbi", out var flag)
                && string.Equals(flag, "true", System.StringComparison.OrdinalIgnoreCase))
            .Select(static (pair, cancellation) => NativeAbiReader.Read(pair.Left.Path, pair.Left.GetText(cancellation)?.ToString() ?? ""));
        var space = context.CompilationProvider.Select(static (compilation, _) => compilation.AssemblyName ?? "");
        context.RegisterSourceOutput(headers.Combine(space), static (output, pair) =>
        {
            var abi = pair.Left;
            foreach (var problem in abi.Problems)
            {
                output.ReportDiagnostic(Diagnostic.Create(Unreadable, Location.None, abi.Path, problem));
            }
            if (abi.Problems.Count == 0)
            {
                output.AddSource("ClientAbiExports.g.cs", Emit(pair.Right, abi));
            }
        });
    }

    private static string Emit(string space, NativeAbi abi)
    {
        var source = new SourceBuilder(System.IO.Path.GetFileName(abi.Path));
        source.Line($"namespace {space}.Exports;").Line();
        source.Line($"/// <summary>The C entry points declared in {System.IO.Path.GetFileName(abi.Path)}, each a guard around <see cref=\"ClientAbi\"/>: no exception crosses into C.</summary>");
        source.Open("internal static unsafe class ClientAbiExports");
        source.Line($"/// <summary>ORION_CLIENT_ABI_VERSION of the header these exports were made from.</summary>");
        source.Line($"public const int AbiVersion = {abi.Version};");
        foreach (var function in abi.Functions)
        {
            var parameters = string.Join(", ", function.Parameters.Select(p => $"{p.Type} @{p.Name}"));
            var arguments = string.Join(", ", function.Parameters.Select(p => "@" + p.Name));
            source.Line();
            source.Line($"[global::System.Runtime.InteropServices.UnmanagedCallersOnly(EntryPoint = \"{function.Name}\")]");
            source.Open($"public static int {function.MethodName}({parameters})");
            source.Open("try");
            source.Line($"return ClientAbi.{function.MethodName}({arguments});");
            source.Close();
            source.Open("catch (global::System.Exception ex)");
            source.Line($"return ExportGuard.Fail(ex, \"{function.Name}\");");
            source.Close();
            source.Close();
        }
        source.Close();
        return source.ToString();
    }
}
