using System.Globalization;

namespace Orion.Server.Core.VGpus;

/// <summary>
/// The text form of vGPU settings, the same on the command line and in the environment:
/// counts <c>DEVICE=COUNT</c> (<c>0=4</c>), slices <c>DEVICE=MEMORY[:SHARE]</c> (<c>0=24G:30</c>, the share in percent),
/// several separated by commas, and the oversubscription ratio as a decimal number (<c>1.5</c>).
/// </summary>
internal static class VGpuSyntax
{
    private static readonly char[] s_separators = [',', ' ', '\t', '\n'];

    /// <summary>Adds each <c>DEVICE=COUNT</c> of <paramref name="text"/> to <paramref name="layer"/>; <paramref name="setting"/> names the option or variable in errors.</summary>
    public static void AddCounts(VGpuLayer layer, string text, string setting)
    {
        foreach (var entry in Entries(text))
        {
            if (!TrySplit(entry, out var device, out var value) || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                throw new VGpuConfigurationException($"{setting} '{entry}' is not DEVICE=COUNT (e.g. 0=4: device 0 as 4 equal vGPUs)");
            }
            layer.SetCount(device, count, setting);
        }
    }

    /// <summary>Adds each <c>DEVICE=MEMORY[:SHARE]</c> of <paramref name="text"/> to <paramref name="layer"/>, in order.</summary>
    public static void AddSlices(VGpuLayer layer, string text, string setting)
    {
        foreach (var entry in Entries(text))
        {
            if (!TrySplit(entry, out var device, out var value) || !TryParseSlice(value, out var slice))
            {
                throw new VGpuConfigurationException(
                    $"{setting} '{entry}' is not DEVICE=MEMORY[:SHARE] (e.g. 0=24G:30: on device 0, a vGPU of 24 GiB with a 30% compute share)");
            }
            layer.AddSlice(device, slice, setting);
        }
    }

    /// <summary>The oversubscription ratio; its range is checked by <see cref="VGpuOptions.Validate"/>.</summary>
    public static double ParseRatio(string text, string setting) =>
        double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var ratio)
            ? ratio
            : throw new VGpuConfigurationException($"{setting} '{text}' is not a ratio (e.g. 1.5 lets a device's vGPUs promise 150% of its memory)");

    private static string[] Entries(string text) => text.Split(s_separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool TrySplit(string entry, out int device, out string value)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        value = equals < 0 ? "" : entry[(equals + 1)..];
        device = -1;
        return equals > 0 && int.TryParse(entry.AsSpan(0, equals), NumberStyles.None, CultureInfo.InvariantCulture, out device);
    }

    private static bool TryParseSlice(string value, out VGpuSliceOptions slice)
    {
        slice = null!;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var memoryText = colon < 0 ? value : value[..colon];
        if (!ByteSize.TryParse(memoryText, out var memory))
        {
            return false;
        }
        int? share = null;
        if (colon >= 0)
        {
            var shareText = value[(colon + 1)..].TrimEnd('%');
            if (!int.TryParse(shareText, NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
            {
                return false;
            }
            share = percent;
        }
        slice = new VGpuSliceOptions(memory, share);
        return true;
    }
}
