using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace Orion.Cuda.Protocol.Generator;

/// <summary>
/// Reads a C ABI header written to Orion's rules (orion_client.h): every function returns int32_t
/// and takes fixed-width integers, float, pointers to them, or a function-pointer typedef of the
/// same header. Anything else is reported, not guessed.
/// </summary>
internal static class NativeAbiReader
{
    private static readonly Regex Comments = new(@"/\*.*?\*/|//[^\n]*", RegexOptions.Singleline | RegexOptions.CultureInvariant);
    private static readonly Regex Version = new(@"#define\s+ORION_CLIENT_ABI_VERSION\s+(\d+)", RegexOptions.CultureInvariant);
    private static readonly Regex Typedef = new(@"^typedef\s+(\w+)\s*\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
    private static readonly Regex Function = new(@"^int32_t\s+(orion_\w+)\s*\((.*)\)$", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    private static readonly Dictionary<string, string> Scalars = new()
    {
        ["int32_t"] = "int",
        ["uint32_t"] = "uint",
        ["int64_t"] = "long",
        ["uint64_t"] = "ulong",
        ["uint8_t"] = "byte",
        ["char"] = "byte",
        ["float"] = "float",
        ["double"] = "double",
        ["void"] = "void",
    };

    public static NativeAbi Read(string path, string text)
    {
        var problems = new List<string>();
        var code = Comments.Replace(text, " ");
        var versionMatch = Version.Match(code);
        if (!versionMatch.Success)
        {
            problems.Add("no #define ORION_CLIENT_ABI_VERSION");
        }
        var body = string.Join("\n", code.Split('\n').Where(line => !line.TrimStart().StartsWith("#", System.StringComparison.Ordinal)));
        // The C++ linkage wrapper is not a declaration.
        body = Regex.Replace(body, @"extern\s*""C""\s*\{", " ");
        var callbacks = new Dictionary<string, string>();
        var functions = new List<NativeFunction>();
        foreach (var raw in body.Split(';'))
        {
            var declaration = Regex.Replace(raw, @"\s+", " ").Trim();
            // The wrapper's closing brace ends up in front of whatever follows it.
            declaration = declaration.TrimStart('}', ' ');
            if (declaration.Length == 0)
            {
                continue;
            }
            if (Typedef.Match(declaration) is { Success: true } typedef)
            {
                var parameters = Parameters(typedef.Groups[3].Value, callbacks, problems, typedef.Groups[2].Value);
                var returns = Scalars.TryGetValue(typedef.Groups[1].Value, out var mapped) ? mapped : null;
                if (returns is null)
                {
                    problems.Add($"typedef {typedef.Groups[2].Value}: return type {typedef.Groups[1].Value} has no fixed-width mapping");
                    continue;
                }
                callbacks[typedef.Groups[2].Value] = $"delegate* unmanaged<{string.Concat(parameters.Select(p => p.Type + ", "))}{returns}>";
                continue;
            }
            if (Function.Match(declaration) is { Success: true } function)
            {
                var name = function.Groups[1].Value;
                functions.Add(new NativeFunction(name, MethodName(name), new([.. Parameters(function.Groups[2].Value, callbacks, problems, name)])));
                continue;
            }
            problems.Add($"cannot read the declaration '{(declaration.Length > 80 ? declaration.Substring(0, 80) + "…" : declaration)}' (functions return int32_t and are named orion_*)");
        }
        var version = versionMatch.Success ? int.Parse(versionMatch.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new NativeAbi(path, version, new([.. functions]), new([.. problems]));
    }

    private static List<NativeParameter> Parameters(string list, Dictionary<string, string> callbacks, List<string> problems, string owner)
    {
        var parameters = new List<NativeParameter>();
        var trimmed = list.Trim();
        if (trimmed is "void" or "")
        {
            return parameters;
        }
        foreach (var part in trimmed.Split(','))
        {
            var text = part.Replace("const ", " ").Trim();
            var stars = text.Count(c => c == '*');
            var words = Regex.Split(text.Replace("*", " ").Trim(), @"\s+");
            if (words.Length != 2)
            {
                problems.Add($"{owner}: cannot read the parameter '{part.Trim()}'");
                continue;
            }
            string? type = Scalars.TryGetValue(words[0], out var scalar) ? scalar : callbacks.TryGetValue(words[0], out var callback) ? callback : null;
            if (type is null || (type == "void" && stars == 0))
            {
                problems.Add($"{owner}: parameter '{part.Trim()}' has no fixed-width mapping");
                continue;
            }
            parameters.Add(new NativeParameter(words[1], type + new string('*', stars)));
        }
        return parameters;
    }

    /// <summary>orion_memcpy_2d_htod → Memcpy2dHtod: the C name without its prefix, in PascalCase.</summary>
    public static string MethodName(string name)
    {
        var builder = new StringBuilder();
        foreach (var word in name.Substring("orion_".Length).Split('_'))
        {
            if (word.Length > 0)
            {
                builder.Append(char.ToUpperInvariant(word[0])).Append(word.Substring(1));
            }
        }
        return builder.ToString();
    }
}
