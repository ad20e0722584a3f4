using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>
/// Reads the call descriptions (interfaces marked [RemoteCallArea]) and generates: in the assembly
/// that declares them, the opcode list and the catalog (and reports what is wrong in a description);
/// in a class marked [RemoteCallClient], the client's encoders; in a class marked
/// [RemoteCallDispatcher], the server's dispatch and decoders.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class RemoteCallGenerator : IIncrementalGenerator
{
    private const string ClientMarker = DescriptionReader.DescriptionNamespace + ".RemoteCallClientAttribute";
    private const string DispatcherMarker = DescriptionReader.DescriptionNamespace + ".RemoteCallDispatcherAttribute";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The protocol assembly: descriptions in source.
        var declared = context.SyntaxProvider.ForAttributeWithMetadataName(
                DescriptionReader.AreaAttribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.InterfaceDeclarationSyntax,
                static (syntax, _) => (INamedTypeSymbol)syntax.TargetSymbol)
            .Collect()
            .Select(static (areas, _) =>
            {
                var diagnostics = new List<Diagnostic>();
                var model = DescriptionReader.Read(DescriptionReader.InOpcodeOrder(areas), diagnostics);
                return (Model: model, Diagnostics: new EquatableArray<DiagnosticBox>([.. diagnostics.Select(d => new DiagnosticBox(d))]));
            });
        context.RegisterSourceOutput(declared, static (output, result) =>
        {
            foreach (var diagnostic in result.Diagnostics)
            {
                output.ReportDiagnostic(diagnostic.Value);
            }
            if (result.Model.Count == 0)
            {
                return;
            }
            output.AddSource("Opcode.g.cs", CatalogEmitter.Opcodes(result.Model));
            output.AddSource("RemoteCallCatalog.g.cs", CatalogEmitter.Catalog(result.Model));
        });

        // Client and server: descriptions from the referenced protocol assembly.
        var referenced = context.CompilationProvider.Select(static (compilation, _) =>
        {
            var attribute = compilation.GetTypeByMetadataName(DescriptionReader.AreaAttribute);
            if (attribute is null || SymbolEqualityComparer.Default.Equals(attribute.ContainingAssembly, compilation.Assembly))
            {
                return new EquatableArray<AreaModel>([]);
            }
            return DescriptionReader.Read(DescriptionReader.FindAreas(attribute.ContainingAssembly), []);
        });
        var clients = context.SyntaxProvider.ForAttributeWithMetadataName(ClientMarker,
            static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
            static (syntax, _) => Target.Of((INamedTypeSymbol)syntax.TargetSymbol));
        var dispatchers = context.SyntaxProvider.ForAttributeWithMetadataName(DispatcherMarker,
            static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
            static (syntax, _) => Target.Of((INamedTypeSymbol)syntax.TargetSymbol));
        context.RegisterSourceOutput(clients.Combine(referenced), static (output, pair) =>
            output.AddSource($"{pair.Left.Name}.RemoteCalls.g.cs", ClientEmitter.Emit(pair.Left.Namespace, pair.Left.Name, pair.Right)));
        context.RegisterSourceOutput(dispatchers.Combine(referenced), static (output, pair) =>
            output.AddSource($"{pair.Left.Name}.Dispatch.g.cs", ServerEmitter.Emit(pair.Left.Namespace, pair.Left.Name, pair.Right)));
    }

    /// <summary>The class a side's code goes into.</summary>
    private sealed record Target(string? Namespace, string Name)
    {
        public static Target Of(INamedTypeSymbol type) =>
            new(type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(), type.Name);
    }

    /// <summary>Diagnostics compared by identity: enough to carry them through the pipeline.</summary>
    private readonly record struct DiagnosticBox(Diagnostic Value);
}
