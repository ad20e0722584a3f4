using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Orion.Cuda.Protocol.Description;

namespace Orion.Cuda.Protocol.Generator.Tests;

/// <summary>
/// Runs <see cref="RemoteCallGenerator"/> over in-memory C# sources compiled against the runtime's
/// own assemblies and Orion.Cuda.Protocol.dll (for the description attributes, CudaStatus, Dim3 and
/// the bulk data types), as a project that references the protocol would.
/// </summary>
internal static class GeneratorHarness
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>
    /// The trusted platform assemblies that belong to the runtime (not the test's own dependencies,
    /// which are on that list too), plus the protocol assembly.
    /// </summary>
    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => string.Equals(Path.GetDirectoryName(path), runtimeDirectory, StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path));
        var protocol = MetadataReference.CreateFromFile(typeof(RemoteCallAreaAttribute).Assembly.Location);
        return [.. platform, protocol];
    }

    /// <summary>Compiles <paramref name="source"/> (which must compile by itself) and runs the generator on it.</summary>
    public static GeneratorRun Run(string source, string assemblyName = "Generator.Samples")
    {
        var input = CSharpCompilation.Create(
            assemblyName,
            [CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Sample.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var inputErrors = input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(inputErrors.Count == 0, "the test source itself does not compile:\n" + string.Join('\n', inputErrors));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            generators: [new RemoteCallGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        var result = driver.GetRunResult().Results.Single();
        Assert.Null(result.Exception);
        return new GeneratorRun(output, diagnostics, result);
    }
}

/// <summary>What one generator run produced.</summary>
internal sealed record GeneratorRun(Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorRunResult Result)
{
    /// <summary>The diagnostics the generator reported (its own ORION ids).</summary>
    public IReadOnlyList<Diagnostic> GeneratorDiagnostics =>
        [.. Diagnostics.Where(d => d.Id.StartsWith("ORION", StringComparison.Ordinal))];

    public bool Generated(string hintName) => Result.GeneratedSources.Any(s => s.HintName == hintName);

    /// <summary>The text of one generated file.</summary>
    public string Source(string hintName)
    {
        var found = Result.GeneratedSources.Where(s => s.HintName == hintName).ToList();
        Assert.True(found.Count == 1, $"expected one generated {hintName}; got: {string.Join(", ", Result.GeneratedSources.Select(s => s.HintName))}");
        return found[0].SourceText.ToString();
    }

    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join('\n', diagnostics.Select(d => d.ToString()));

    /// <summary>The text a diagnostic points at in the test source.</summary>
    public static string TextAt(Diagnostic diagnostic)
    {
        Assert.True(diagnostic.Location.IsInSource, $"{diagnostic.Id} has no source location");
        return diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
    }

    public static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);
}
