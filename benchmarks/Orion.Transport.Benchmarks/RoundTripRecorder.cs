using System.Diagnostics;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// Records the duration of every round trip into a buffer allocated once, so that recording adds
/// a timestamp read and a store to the measured path and nothing to the allocation count.
/// </summary>
/// <remarks>
/// BenchmarkDotNet's own percentiles are over iterations (each the mean of many operations), which
/// hides tail latency; these are over individual round trips. The buffer is a ring: it keeps the
/// most recent <see cref="Capacity"/> round trips, i.e. the measured iterations and, for slow
/// (large) messages, the pilot and warm-up iterations before them, all of which run the same
/// steady-state code because the benchmark warms the connection up before it resets the recorder.
/// </remarks>
internal sealed class RoundTripRecorder
{
    /// <summary>2^18 round trips: 2 MiB of timestamps, more than a full job measures at 64 B.</summary>
    public const int Capacity = 1 << 18;

    private readonly long[] _elapsedTicks = new long[Capacity];
    private long _count;

    public long Count => _count;

    public void Reset() => _count = 0;

    public void Record(long startTimestamp, long endTimestamp)
    {
        _elapsedTicks[(int)(_count & (Capacity - 1))] = endTimestamp - startTimestamp;
        _count++;
    }

    /// <summary>Nearest-rank percentiles of the retained round trips. Sorts the buffer in place, so call it once, after measuring.</summary>
    public LatencyPercentiles ComputePercentiles()
    {
        var samples = (int)Math.Min(_count, Capacity);
        if (samples == 0)
        {
            return default;
        }
        Array.Sort(_elapsedTicks, 0, samples);
        return new LatencyPercentiles(
            ToNanoseconds(_elapsedTicks[NearestRankIndex(samples, 0.50)]),
            ToNanoseconds(_elapsedTicks[NearestRankIndex(samples, 0.99)]),
            ToNanoseconds(_elapsedTicks[samples - 1]),
            samples);
    }

    internal static int NearestRankIndex(int samples, double percentile)
        => Math.Clamp((int)Math.Ceiling(percentile * samples) - 1, 0, samples - 1);

    private static double ToNanoseconds(long ticks) => ticks * 1e9 / Stopwatch.Frequency;
}
