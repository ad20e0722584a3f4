using System.Text;
using static Orion.Transport.Benchmarks.ResultsMarkdown;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// The tables of the RDMA transport over the software verbs provider, beside the raw-socket
/// baseline of the same run (and Orion TCP where it ran too). The ratios say how the transport's
/// own overhead compares with a loopback socket on this machine; they are not NIC figures.
/// </summary>
internal static class RdmaResultsMarkdown
{
    private const string RawSocket = nameof(PingPongBenchmarks.RawSocket);
    private const string OrionTcp = nameof(PingPongBenchmarks.OrionTcp);
    private const string RdmaPingPong = nameof(PingPongBenchmarks.OrionRdmaSoftware);
    private const string RdmaMessages = nameof(StreamingBenchmarks.OrionRdmaSoftwareMessages);
    private const string RdmaBulk = nameof(StreamingBenchmarks.OrionRdmaSoftwareBulk);

    /// <summary>True when the type's results hold RDMA cases and none of the given TCP cases.</summary>
    public static bool OnlyRdma(Dictionary<(string Type, string Method, int Size), CaseResult> results, string type, params string[] tcpMethods)
    {
        var methods = results.Keys.Where(k => k.Type == type).Select(k => k.Method).ToHashSet();
        return methods.Any(m => m is RdmaPingPong or RdmaMessages or RdmaBulk) && !methods.Overlaps(tcpMethods);
    }

    public static void Render(StringBuilder text, Dictionary<(string Type, string Method, int Size), CaseResult> results)
    {
        if (results.Keys.Any(k => k is { Type: nameof(PingPongBenchmarks), Method: RdmaPingPong }))
        {
            Line(text, "");
            RenderLatency(text, results);
        }
        if (results.Keys.Any(k => k is { Type: nameof(StreamingBenchmarks), Method: RdmaMessages or RdmaBulk }))
        {
            Line(text, "");
            RenderThroughput(text, results);
        }
    }

    private static void RenderLatency(StringBuilder text, Dictionary<(string, string, int), CaseResult> results)
    {
        const string type = nameof(PingPongBenchmarks);
        Line(text, "Ping-pong latency, individual round trips (µs), Orion RDMA over the in-process software verbs provider (not a NIC) vs raw async socket:");
        Line(text, "");
        Line(text, "| Size | Raw p50 | Raw p99 | RDMA soft p50 | RDMA soft p99 | p50 ratio | Orion TCP p50 | RDMA soft alloc/RT | Raw alloc/RT |");
        Line(text, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var size in Sizes(results, type))
        {
            var raw = Find(results, type, RawSocket, size);
            var rdma = Find(results, type, RdmaPingPong, size);
            var tcp = Find(results, type, OrionTcp, size);
            var ratio = Ratio(rdma?.Latency?.P50Nanoseconds, raw?.Latency?.P50Nanoseconds);
            Line(text, $"| {MessageSizes.Format(size)} | {Micro(raw?.Latency?.P50Nanoseconds)} | {Micro(raw?.Latency?.P99Nanoseconds)} " +
                $"| {Micro(rdma?.Latency?.P50Nanoseconds)} | {Micro(rdma?.Latency?.P99Nanoseconds)} | {RatioText(ratio)} " +
                $"| {Micro(tcp?.Latency?.P50Nanoseconds)} | {Bytes(rdma?.AllocatedBytesPerOperation)} | {Bytes(raw?.AllocatedBytesPerOperation)} |");
        }
    }

    private static void RenderThroughput(StringBuilder text, Dictionary<(string, string, int), CaseResult> results)
    {
        const string type = nameof(StreamingBenchmarks);
        Line(text, $"One-way streaming throughput (GB/s = 10^9 B/s; one operation = a {MessageSizes.Format(StreamingBenchmarks.BurstBytes)} burst), Orion RDMA over the in-process software verbs provider (not a NIC) vs raw async socket:");
        Line(text, "");
        Line(text, "| Size | Raw | RDMA soft messages | ratio | RDMA soft bulk | ratio | RDMA soft alloc/burst (messages / bulk) | Raw alloc/burst |");
        Line(text, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var size in Sizes(results, type))
        {
            var raw = Find(results, type, RawSocket, size);
            var messages = Find(results, type, RdmaMessages, size);
            var bulk = Find(results, type, RdmaBulk, size);
            Line(text, $"| {MessageSizes.Format(size)} | {Rate(raw?.GigabytesPerSecond)} " +
                $"| {Rate(messages?.GigabytesPerSecond)} | {RatioText(Ratio(messages?.GigabytesPerSecond, raw?.GigabytesPerSecond))} " +
                $"| {Rate(bulk?.GigabytesPerSecond)} | {RatioText(Ratio(bulk?.GigabytesPerSecond, raw?.GigabytesPerSecond))} " +
                $"| {Bytes(messages?.AllocatedBytesPerOperation)} / {Bytes(bulk?.AllocatedBytesPerOperation)} | {Bytes(raw?.AllocatedBytesPerOperation)} |");
        }
    }
}
