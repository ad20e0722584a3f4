using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Orion.Transport.Benchmarks;

/// <summary>The one configuration every transport benchmark runs under: a quick or full job, allocations, percentiles, GB/s.</summary>
internal static class TransportBenchmarkConfig
{
    public static IConfig Create(SuiteOptions options)
    {
        // One launch only: the round-trip percentiles come from the single process that ran the case.
        var job = options.Quick
            ? Job.Default.WithId("Quick").WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(5)
                .WithIterationTime(TimeInterval.FromMilliseconds(250))
            : Job.Default.WithId("Full").WithLaunchCount(1).WithWarmupCount(6).WithIterationCount(20);
        if (options.InProcess)
        {
            job = job.WithToolchain(InProcessEmitToolchain.Instance);
        }
        return ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddColumn(LatencyPercentileColumn.P50, LatencyPercentileColumn.P99, ThroughputColumn.Instance)
            .AddLogger(DefaultConfig.Instance.GetLoggers().ToArray())
            .AddAnalyser(DefaultConfig.Instance.GetAnalysers().ToArray())
            .AddValidator(DefaultConfig.Instance.GetValidators().ToArray())
            .AddExporter(MarkdownExporter.GitHub, CsvExporter.Default)
            .WithArtifactsPath(options.ArtifactsDirectory)
            // BenchmarkDotNet's default (2 min) is too short for the child build on a loaded 2-core machine.
            .WithBuildTimeout(TimeSpan.FromMinutes(10))
            .WithOptions(ConfigOptions.DisableLogFile);
    }
}
