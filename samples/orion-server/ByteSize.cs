using System.Globalization;

namespace Orion.Samples.Server;

/// <summary>Sizes on the command line: a number of bytes, or one with a K, M, G or T suffix (powers of 1024).</summary>
internal static class ByteSize
{
    public static bool TryParse(string text, out ulong bytes)
    {
        bytes = 0;
        var trimmed = text.Trim();
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
}
