using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Orion.Transport.Benchmarks;

/// <summary>Payload throughput in GB/s (10^9 bytes per second) from the mean time and <see cref="BytesPerOperationAttribute"/>.</summary>
internal sealed class ThroughputColumn : IColumn
{
    public static IColumn Instance { get; } = new ThroughputColumn();

    public string Id => "Orion.Throughput";

    public string ColumnName => "GB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 1;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Payload bytes per second, 10^9 (bytes per operation / mean time)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var gigabytesPerSecond = Compute(summary[benchmarkCase], BenchmarkCaseInfo.From(benchmarkCase));
        return gigabytesPerSecond is { } value ? Format(value) : "-";
    }

    /// <summary>Two decimals, or four below 0.1 GB/s so that small-message rates stay comparable.</summary>
    public static string Format(double gigabytesPerSecond)
        => gigabytesPerSecond.ToString(gigabytesPerSecond < 0.1 ? "0.0000" : "N2", CultureInfo.InvariantCulture);

    /// <summary>Bytes per nanosecond is GB/s.</summary>
    public static double? Compute(BenchmarkReport? report, BenchmarkCaseInfo info)
        => info.BytesPerOperation is { } bytes && report?.ResultStatistics?.Mean is > 0 and var meanNanoseconds
            ? bytes / meanNanoseconds
            : null;

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
