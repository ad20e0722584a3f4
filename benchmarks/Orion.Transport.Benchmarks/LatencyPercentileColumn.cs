using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Orion.Transport.Benchmarks;

/// <summary>A summary column with a percentile of individual round trips, read from <see cref="LatencyResultStore"/>.</summary>
internal sealed class LatencyPercentileColumn : IColumn
{
    private readonly Func<LatencyPercentiles, double> _select;

    private LatencyPercentileColumn(string name, Func<LatencyPercentiles, double> select)
    {
        ColumnName = name;
        _select = select;
    }

    public static IColumn P50 { get; } = new LatencyPercentileColumn("RT p50", p => p.P50Nanoseconds);

    public static IColumn P99 { get; } = new LatencyPercentileColumn("RT p99", p => p.P99Nanoseconds);

    public string Id => "Orion." + ColumnName;

    public string ColumnName { get; }

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{ColumnName} of individual round trips (not of iteration means), in µs";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var info = BenchmarkCaseInfo.From(benchmarkCase);
        return LatencyResultStore.TryRead(info.TypeName, info.Method, info.Size, out var percentiles) && percentiles.Samples > 0
            ? (_select(percentiles) / 1000).ToString("N1", CultureInfo.InvariantCulture) + " µs"
            : "-";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
