using System.Text;
using static Orion.Transport.Benchmarks.ResultsMarkdown;

namespace Orion.Transport.Benchmarks;

/// <summary>The shared-memory tables: shm beside Orion TCP and the raw socket of the same run.</summary>
internal static class SharedMemoryResultsMarkdown
{
    public static void Render(StringBuilder text, Dictionary<(string, string, int), CaseResult> results)
    {
        const string pingPong = nameof(PingPongBenchmarks);
        if (Sizes(results, pingPong).Any(size => Find(results, pingPong, nameof(PingPongBenchmarks.OrionShm), size) is not null))
        {
            Line(text, "");
            Line(text, "Shared memory (`shm://`), ping-pong round trips (µs), beside Orion TCP and the raw async socket of the same run:");
            Line(text, "");
            Line(text, "| Size | shm p50 | shm p99 | Orion TCP p50 | Raw socket p50 | shm / raw p50 | shm alloc/RT |");
            Line(text, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var size in Sizes(results, pingPong))
            {
                var shm = Find(results, pingPong, nameof(PingPongBenchmarks.OrionShm), size);
                var tcp = Find(results, pingPong, nameof(PingPongBenchmarks.OrionTcp), size);
                var raw = Find(results, pingPong, nameof(PingPongBenchmarks.RawSocket), size);
                Line(text, $"| {MessageSizes.Format(size)} | {Micro(shm?.Latency?.P50Nanoseconds)} | {Micro(shm?.Latency?.P99Nanoseconds)} " +
                    $"| {Micro(tcp?.Latency?.P50Nanoseconds)} | {Micro(raw?.Latency?.P50Nanoseconds)} " +
                    $"| {RatioText(Ratio(shm?.Latency?.P50Nanoseconds, raw?.Latency?.P50Nanoseconds))} | {Bytes(shm?.AllocatedBytesPerOperation)} |");
            }
        }
        const string streaming = nameof(StreamingBenchmarks);
        if (Sizes(results, streaming).Any(size => Find(results, streaming, nameof(StreamingBenchmarks.OrionShmBulk), size) is not null))
        {
            Line(text, "");
            Line(text, "Shared memory (`shm://`), one-way streaming (GB/s), beside Orion TCP and the raw async socket of the same run:");
            Line(text, "");
            Line(text, "| Size | shm messages | shm bulk | Orion TCP bulk | Raw socket | shm bulk / raw | shm alloc/burst (messages / bulk) |");
            Line(text, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            foreach (var size in Sizes(results, streaming))
            {
                var messages = Find(results, streaming, nameof(StreamingBenchmarks.OrionShmMessages), size);
                var bulk = Find(results, streaming, nameof(StreamingBenchmarks.OrionShmBulk), size);
                var tcp = Find(results, streaming, nameof(StreamingBenchmarks.OrionTcpBulk), size);
                var raw = Find(results, streaming, nameof(StreamingBenchmarks.RawSocket), size);
                Line(text, $"| {MessageSizes.Format(size)} | {Rate(messages?.GigabytesPerSecond)} | {Rate(bulk?.GigabytesPerSecond)} | {Rate(tcp?.GigabytesPerSecond)} " +
                    $"| {Rate(raw?.GigabytesPerSecond)} | {RatioText(Ratio(bulk?.GigabytesPerSecond, raw?.GigabytesPerSecond))} " +
                    $"| {Bytes(messages?.AllocatedBytesPerOperation)} / {Bytes(bulk?.AllocatedBytesPerOperation)} |");
            }
        }
    }
}
