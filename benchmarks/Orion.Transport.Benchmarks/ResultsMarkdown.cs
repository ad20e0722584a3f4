using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Reports;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// Renders the tables of docs/benchmarks/transport.md: every Orion figure beside the raw-socket
/// baseline of the same run, as a ratio, with the issue's targets judged.
/// </summary>
internal static class ResultsMarkdown
{
    /// <summary>Issue 2: Orion's p50 round trip within 1.3x of the raw socket's.</summary>
    public const double LatencyTarget = 1.3;

    /// <summary>Issue 2: Orion's throughput at least 90% of the raw socket's from 1 MiB up.</summary>
    public const double ThroughputTarget = 0.9;

    public const int ThroughputTargetFromSize = 1024 * 1024;

    // Benchmark method names, as the tables pair them (the raw ones exist in both classes).
    private const string RawSocket = nameof(PingPongBenchmarks.RawSocket);
    private const string RawSocketBlocking = nameof(PingPongBenchmarks.RawSocketBlocking);
    private const string RawSocketStream = nameof(StreamingBenchmarks.RawSocketStream);
    private const string OrionTcp = nameof(PingPongBenchmarks.OrionTcp);
    private const string OrionTcpMessages = nameof(StreamingBenchmarks.OrionTcpMessages);
    private const string OrionTcpBulk = nameof(StreamingBenchmarks.OrionTcpBulk);

    public static string Render(IEnumerable<Summary> summaries, SuiteOptions options)
    {
        var results = summaries.SelectMany(s => s.Reports).Select(CaseResult.From)
            .GroupBy(r => (r.Info.TypeName, r.Info.Method, r.Info.Size))
            .ToDictionary(g => g.Key, g => g.Last());
        var text = new StringBuilder();
        Line(text, $"Job: **{(options.Quick ? "Quick" : "Full")}**{(options.InProcess ? ", in-process (InProcessEmitToolchain)" : ", one child process per benchmark")}; " +
            $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs; " +
            $"run {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC.");
        // A run of the RDMA cases alone (with or without the raw baselines) gets only the RDMA tables.
        if (Sizes(results, nameof(PingPongBenchmarks)).Any() && !RdmaResultsMarkdown.OnlyRdma(results, nameof(PingPongBenchmarks), OrionTcp))
        {
            Line(text, "");
            RenderLatency(text, results);
        }
        if (Sizes(results, nameof(StreamingBenchmarks)).Any() && !RdmaResultsMarkdown.OnlyRdma(results, nameof(StreamingBenchmarks), OrionTcpMessages, OrionTcpBulk))
        {
            Line(text, "");
            RenderThroughput(text, results);
        }
        RdmaResultsMarkdown.Render(text, results);
        SharedMemoryResultsMarkdown.Render(text, results);
        return text.ToString();
    }

    private static void RenderLatency(StringBuilder text, Dictionary<(string, string, int), CaseResult> results)
    {
        const string type = nameof(PingPongBenchmarks);
        Line(text, "Ping-pong latency, individual round trips (µs), Orion messages over TCP vs raw async socket:");
        Line(text, "");
        Line(text, "| Size | Raw p50 | Raw p99 | Orion p50 | Orion p99 | p50 ratio | p50 ≤ 1.3x raw | Raw blocking p50 / p99 | Orion alloc/RT | Raw alloc/RT |");
        Line(text, "| ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |");
        foreach (var size in Sizes(results, type))
        {
            var raw = Find(results, type, RawSocket, size);
            var orion = Find(results, type, OrionTcp, size);
            var blocking = Find(results, type, RawSocketBlocking, size);
            var ratio = Ratio(orion?.Latency?.P50Nanoseconds, raw?.Latency?.P50Nanoseconds);
            Line(text, $"| {MessageSizes.Format(size)} | {Micro(raw?.Latency?.P50Nanoseconds)} | {Micro(raw?.Latency?.P99Nanoseconds)} " +
                $"| {Micro(orion?.Latency?.P50Nanoseconds)} | {Micro(orion?.Latency?.P99Nanoseconds)} | {RatioText(ratio)} " +
                $"| {Verdict(ratio, r => r <= LatencyTarget)} | {Micro(blocking?.Latency?.P50Nanoseconds)} / {Micro(blocking?.Latency?.P99Nanoseconds)} " +
                $"| {Bytes(orion?.AllocatedBytesPerOperation)} | {Bytes(raw?.AllocatedBytesPerOperation)} |");
        }
    }

    private static void RenderThroughput(StringBuilder text, Dictionary<(string, string, int), CaseResult> results)
    {
        const string type = nameof(StreamingBenchmarks);
        Line(text, $"One-way streaming throughput (GB/s = 10^9 B/s; one operation = a {MessageSizes.Format(StreamingBenchmarks.BurstBytes)} burst of messages of the given size, acknowledged by the receiver). " +
            "Raw: the baseline, each message received whole into a buffer of its size; stream reader: raw, reading whatever has arrived in 4 MiB reads:");
        Line(text, "");
        Line(text, "| Size | Raw | Orion messages | ratio | Orion bulk | ratio | ≥ 90% raw (≥ 1 MiB) | Raw stream reader | Orion best / stream reader | Raw blocking | Orion alloc/burst (messages / bulk) | Raw alloc/burst |");
        Line(text, "| ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var size in Sizes(results, type))
        {
            var raw = Find(results, type, RawSocket, size);
            var messages = Find(results, type, OrionTcpMessages, size);
            var bulk = Find(results, type, OrionTcpBulk, size);
            var stream = Find(results, type, RawSocketStream, size);
            var blocking = Find(results, type, RawSocketBlocking, size);
            var messageRatio = Ratio(messages?.GigabytesPerSecond, raw?.GigabytesPerSecond);
            var bulkRatio = Ratio(bulk?.GigabytesPerSecond, raw?.GigabytesPerSecond);
            var best = Max(messages?.GigabytesPerSecond, bulk?.GigabytesPerSecond);
            var verdict = size < ThroughputTargetFromSize
                ? "(not a target)"
                : $"messages {Verdict(messageRatio, r => r >= ThroughputTarget)}, bulk {Verdict(bulkRatio, r => r >= ThroughputTarget)}";
            Line(text, $"| {MessageSizes.Format(size)} | {Rate(raw?.GigabytesPerSecond)} | {Rate(messages?.GigabytesPerSecond)} | {RatioText(messageRatio)} " +
                $"| {Rate(bulk?.GigabytesPerSecond)} | {RatioText(bulkRatio)} | {verdict} | {Rate(stream?.GigabytesPerSecond)} | {RatioText(Ratio(best, stream?.GigabytesPerSecond))} " +
                $"| {Rate(blocking?.GigabytesPerSecond)} | {Bytes(messages?.AllocatedBytesPerOperation)} / {Bytes(bulk?.AllocatedBytesPerOperation)} | {Bytes(raw?.AllocatedBytesPerOperation)} |");
        }
    }

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    internal static IEnumerable<int> Sizes(Dictionary<(string Type, string Method, int Size), CaseResult> results, string type)
        => results.Keys.Where(k => k.Type == type).Select(k => k.Size).Distinct().Order();

    internal static CaseResult? Find(Dictionary<(string, string, int), CaseResult> results, string type, string method, int size)
        => results.GetValueOrDefault((type, method, size));

    internal static double? Ratio(double? value, double? baseline) => value is { } v && baseline is > 0 and var b ? v / b : null;

    internal static string RatioText(double? ratio) => ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "n/a";

    private static string Verdict(double? ratio, Func<double, bool> met) => ratio is { } r ? (met(r) ? "yes" : "**no**") : "n/a";

    internal static string Micro(double? nanoseconds) => nanoseconds is { } ns ? (ns / 1000).ToString("N1", CultureInfo.InvariantCulture) : "n/a";

    internal static string Rate(double? gigabytesPerSecond) => gigabytesPerSecond is { } g ? ThroughputColumn.Format(g) : "n/a";

    internal static string Bytes(long? bytes) => bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b:N0} B") : "n/a";

    internal static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
