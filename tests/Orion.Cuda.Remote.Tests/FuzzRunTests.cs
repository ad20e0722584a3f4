using Orion.Fuzz;
using Orion.Server.Core;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// A short pass of the long fuzz run (tests/Orion.Fuzz, docs/fuzzing.md) in each isolation mode: generated and mutated
/// hellos, records of every call, raw frames and mismatched bulk data over TCP, while a well-behaved client checks its
/// data the whole time; no crash, no hang, nothing left behind, the well-behaved client unaffected.
/// ORION_FUZZ_MESSAGES sets a longer pass.
/// </summary>
public sealed class FuzzRunTests
{
    private static long Messages => long.TryParse(Environment.GetEnvironmentVariable("ORION_FUZZ_MESSAGES"), out var configured) ? configured : 3000;

    [Theory]
    [InlineData(SessionIsolation.Context)]
    [InlineData(SessionIsolation.Process)]
    public async Task A_short_fuzz_run_passes_in_each_isolation_mode(SessionIsolation isolation)
    {
        // Other suites run in this process at the same time and grow its thread pool: only a steady climb is a leak here
        // (the long runs, each in a process of its own, allow 8).
        var report = await FuzzRunner.RunAsync(new FuzzOptions { Messages = Messages, Isolation = isolation, Fuzzers = 2, ThreadGrowthAllowed = 48 });
        Assert.True(report.Passed, report.ToString());
        Assert.Equal(Messages, report.Messages);
        Assert.True(report.Hellos > 0 && report.RawFrames > 0 && report.BulkMismatches > 0, report.ToString());
        Assert.True(report.GoodClientRounds > 0, report.ToString());
    }
}
