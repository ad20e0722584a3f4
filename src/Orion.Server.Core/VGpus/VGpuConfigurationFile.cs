using System.Globalization;
using System.Text.Json;

namespace Orion.Server.Core.VGpus;

/// <summary>
/// The vGPU settings of an appsettings-style JSON file (comments and trailing commas allowed, names in any case):
/// <code>
/// { "Orion": { "VGpus": {
///     "MemoryOversubscription": 1.0,
///     "Devices": {
///       "0": { "Count": 4 },
///       "1": { "Slices": [ { "Memory": "24G", "Share": 30 }, { "Memory": "48G", "Share": 70 } ] } } } } }
/// </code>
/// Sections other than <c>Orion</c> are left to others (a host's own settings may share the file); inside it every name
/// must be known, so that a misspelt setting is an error rather than silently ignored. Errors name the file and the
/// setting's path (<c>Orion:VGpus:Devices:1:Slices:0:Memory</c>).
/// </summary>
internal static class VGpuConfigurationFile
{
    private static readonly JsonDocumentOptions s_options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static VGpuLayer Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new VGpuConfigurationException($"cannot read the configuration file {path}: {ex.Message}");
        }
        return Parse(text, path);
    }

    /// <summary>Reads <paramref name="json"/>; <paramref name="source"/> names it in errors.</summary>
    public static VGpuLayer Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, s_options);
        }
        catch (JsonException ex)
        {
            throw new VGpuConfigurationException($"{source} is not valid JSON: {ex.Message.ReplaceLineEndings(" ")}");
        }
        using (document)
        {
            var layer = new VGpuLayer(source);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new VGpuConfigurationException($"{source}: the file must hold a JSON object with an \"Orion\" section");
            }
            if (Property(document.RootElement, "Orion") is not { } orion)
            {
                throw new VGpuConfigurationException($"{source} has no \"Orion\" section (expected {{ \"Orion\": {{ \"VGpus\": {{ ... }} }} }})");
            }
            foreach (var (name, value) in Members(orion, source, "Orion"))
            {
                if (!Is(name, "VGpus"))
                {
                    throw Unknown(source, "Orion", name, "VGpus");
                }
                ReadVGpus(value, layer, source, "Orion:" + name);
            }
            return layer;
        }
    }

    private static void ReadVGpus(JsonElement vgpus, VGpuLayer layer, string source, string path)
    {
        foreach (var (name, value) in Members(vgpus, source, path))
        {
            if (Is(name, "MemoryOversubscription"))
            {
                layer.MemoryOversubscription = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var ratio)
                    ? ratio
                    : throw Invalid(source, path + ":" + name, value, "a ratio such as 1.5");
            }
            else if (Is(name, "Devices"))
            {
                foreach (var (ordinal, device) in Members(value, source, path + ":" + name))
                {
                    var devicePath = $"{path}:{name}:{ordinal}";
                    if (!int.TryParse(ordinal, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                    {
                        throw new VGpuConfigurationException($"{source}: {devicePath}: '{ordinal}' is not a device ordinal (0, 1, ...)");
                    }
                    ReadDevice(device, number, layer, source, devicePath);
                }
            }
            else
            {
                throw Unknown(source, path, name, "MemoryOversubscription, Devices");
            }
        }
    }

    private static void ReadDevice(JsonElement device, int number, VGpuLayer layer, string source, string path)
    {
        var any = false;
        foreach (var (name, value) in Members(device, source, path))
        {
            any = true;
            if (Is(name, "Count"))
            {
                layer.SetCount(number, value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count)
                    ? count
                    : throw Invalid(source, path + ":" + name, value, "a number of equal vGPUs such as 4"), $"{source}: {path}");
            }
            else if (Is(name, "Slices"))
            {
                if (value.ValueKind != JsonValueKind.Array)
                {
                    throw Invalid(source, path + ":" + name, value, "a list of slices such as [ { \"Memory\": \"24G\", \"Share\": 30 } ]");
                }
                var index = 0;
                foreach (var slice in value.EnumerateArray())
                {
                    var slicePath = $"{path}:{name}:{index++}";
                    layer.AddSlice(number, ReadSlice(slice, source, slicePath), $"{source}: {slicePath}");
                }
            }
            else
            {
                throw Unknown(source, path, name, "Count, Slices");
            }
        }
        if (!any)
        {
            throw new VGpuConfigurationException($"{source}: {path} is empty (give \"Count\" or \"Slices\")");
        }
    }

    private static VGpuSliceOptions ReadSlice(JsonElement slice, string source, string path)
    {
        ulong? memory = null;
        int? share = null;
        foreach (var (name, value) in Members(slice, source, path))
        {
            if (Is(name, "Memory"))
            {
                // A size as on the command line ("24G"), or a number of bytes.
                memory = value.ValueKind switch
                {
                    JsonValueKind.String when ByteSize.TryParse(value.GetString(), out var bytes) => bytes,
                    JsonValueKind.Number when value.TryGetUInt64(out var bytes) && bytes > 0 => bytes,
                    _ => throw Invalid(source, path + ":" + name, value, "a size such as \"24G\", \"512M\" or a number of bytes"),
                };
            }
            else if (Is(name, "Share"))
            {
                share = value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var percent)
                    ? percent
                    : throw Invalid(source, path + ":" + name, value, "a percentage of the GPU such as 30");
            }
            else
            {
                throw Unknown(source, path, name, "Memory, Share");
            }
        }
        return memory is { } size
            ? new VGpuSliceOptions(size, share)
            : throw new VGpuConfigurationException($"{source}: {path} has no \"Memory\"");
    }

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (Is(property.Name, name))
            {
                return property.Value;
            }
        }
        return null;
    }

    private static IEnumerable<(string Name, JsonElement Value)> Members(JsonElement element, string source, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new VGpuConfigurationException($"{source}: {path} must be a JSON object, not {Describe(element)}");
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in element.EnumerateObject())
        {
            // Names are matched in any case, so "count" and "Count" would be one setting given twice.
            if (!seen.Add(property.Name))
            {
                throw new VGpuConfigurationException($"{source}: {path}:{property.Name} is given twice");
            }
            yield return (property.Name, property.Value);
        }
    }

    private static bool Is(string name, string expected) => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase);

    private static VGpuConfigurationException Unknown(string source, string path, string name, string known) =>
        new($"{source}: unknown setting {path}:{name} (known here: {known})");

    private static VGpuConfigurationException Invalid(string source, string path, JsonElement value, string expected) =>
        new($"{source}: {path} is {Describe(value)}; expected {expected}");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{value.GetString()}\"",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => "null",
    };
}
