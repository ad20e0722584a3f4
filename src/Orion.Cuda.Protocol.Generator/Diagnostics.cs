using Microsoft.CodeAnalysis;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>What the generator refuses in a call description, as compile errors where the description is written.</summary>
internal static class Diagnostics
{
    private const string Category = "Orion.RemoteCalls";

    public static readonly DiagnosticDescriptor UnsupportedType = new(
        "ORION001", "Unsupported wire type", "Parameter '{0}' of {1}: {2}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DuplicateOpcode = new(
        "ORION002", "Duplicate opcode", "Opcode {0} of {1} is already used by {2}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingLimit = new(
        "ORION003", "Unbounded field", "Parameter '{0}' of {1} needs {2}: every length and count has a limit", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor BadShape = new(
        "ORION004", "Call shape not supported", "{0}: {1}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
