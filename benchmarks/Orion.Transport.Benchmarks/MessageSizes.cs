using System.Globalization;
using System.Numerics;

namespace Orion.Transport.Benchmarks;

/// <summary>The message sizes issue 2 asks for; every benchmark class runs each of them.</summary>
public static class MessageSizes
{
    /// <summary>Comma-separated byte counts that narrow a run (e.g. <c>64,4096</c>) for smoke tests.
    /// Only powers of two up to 16 MiB are taken, so that every size divides a streaming burst.</summary>
    public const string FilterVariable = "ORION_BENCH_SIZES";

    private static readonly int[] s_issueSizes = [64, 4 * 1024, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024];

    /// <summary>The sizes to run: all of issue 2's, or those named in <see cref="FilterVariable"/>.</summary>
    public static IEnumerable<int> Selected
    {
        get
        {
            var filter = Environment.GetEnvironmentVariable(FilterVariable);
            if (string.IsNullOrWhiteSpace(filter))
            {
                return s_issueSizes;
            }
            return filter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(text => int.Parse(text, CultureInfo.InvariantCulture))
                .Where(size => BitOperations.IsPow2(size) && size <= s_issueSizes[^1])
                .ToArray();
        }
    }

    /// <summary>Writes a byte count the way the docs do: 64 B, 4 KiB, 16 MiB.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024 * 1024)} MiB"),
        >= 1024 when bytes % 1024 == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
