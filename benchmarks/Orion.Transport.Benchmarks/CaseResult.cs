using BenchmarkDotNet.Reports;

namespace Orion.Transport.Benchmarks;

/// <summary>One benchmark case's figures, gathered from its report and the latency store.</summary>
internal sealed record CaseResult(BenchmarkCaseInfo Info, double? MeanNanoseconds, long? AllocatedBytesPerOperation, LatencyPercentiles? Latency, double? GigabytesPerSecond)
{
    public static CaseResult From(BenchmarkReport report)
    {
        var info = BenchmarkCaseInfo.From(report.BenchmarkCase);
        LatencyPercentiles? latency = LatencyResultStore.TryRead(info.TypeName, info.Method, info.Size, out var percentiles) && percentiles.Samples > 0
            ? percentiles
            : null;
        var success = report.Success && report.ResultStatistics is not null;
        return new CaseResult(
            info,
            success ? report.ResultStatistics!.Mean : null,
            success ? report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) : null,
            latency,
            success ? ThroughputColumn.Compute(report, info) : null);
    }
}
