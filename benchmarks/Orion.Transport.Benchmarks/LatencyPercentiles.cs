using System.Globalization;

namespace Orion.Transport.Benchmarks;

/// <summary>Percentiles of individual round trips, in nanoseconds, and how many round trips they cover.</summary>
public readonly record struct LatencyPercentiles(double P50Nanoseconds, double P99Nanoseconds, double MaxNanoseconds, int Samples)
{
    public string Serialize() => string.Create(CultureInfo.InvariantCulture,
        $"{P50Nanoseconds:R} {P99Nanoseconds:R} {MaxNanoseconds:R} {Samples}");

    public static bool TryParse(string text, out LatencyPercentiles percentiles)
    {
        percentiles = default;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 4
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var p50)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var p99)
            || !double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var max)
            || !int.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var samples))
        {
            return false;
        }
        percentiles = new LatencyPercentiles(p50, p99, max, samples);
        return true;
    }
}
