using System.Globalization;

namespace Orion.Cuda.Protocol;

/// <summary>
/// Sizes as people write them on command lines, in environment variables and configuration files: a number of bytes,
/// or one with a K, M, G or T suffix (powers of 1024, <c>KiB</c> .. <c>TiB</c> too); and back, for messages.
/// One parser for the server's options and the client's settings, so that <c>24G</c> means the same on both sides.
/// </summary>
public static class ByteSize
{
    /// <summary>Parses <paramref name="text"/>; false for anything else, 0, or a size past 2^64 - 1.</summary>
    public static bool TryParse(string? text, out ulong bytes)
    {
        bytes = 0;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.EndsWith("iB", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[..^2];
            if (trimmed.Length == 0 || !char.IsAsciiLetter(trimmed[^1]))
            {
                return false; // "iB" alone is no unit
            }
        }
        if (trimmed.Length == 0)
        {
            return false;
        }
        var shift = char.ToUpperInvariant(trimmed[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        var digits = shift == 0 ? trimmed : trimmed[..^1];
        if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value == 0
            || value > ulong.MaxValue >> shift)
        {
            return false;
        }
        bytes = value << shift;
        return true;
    }

    /// <summary>A size for a message: whole units where exact (<c>24 GiB</c>), else two decimals of the largest unit
    /// it reaches (<c>23.75 GiB</c>), and plain bytes below 1 KiB.</summary>
    public static string Format(ulong bytes)
    {
        string[] units = ["TiB", "GiB", "MiB", "KiB"];
        for (var i = 0; i < units.Length; i++)
        {
            var unit = 1UL << (10 * (units.Length - i));
            if (bytes >= unit)
            {
                return bytes % unit == 0
                    ? string.Create(CultureInfo.InvariantCulture, $"{bytes / unit} {units[i]}")
                    : string.Create(CultureInfo.InvariantCulture, $"{Math.Floor((double)bytes / unit * 100) / 100:0.##} {units[i]}");
            }
        }
        return string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");
    }
}
