using System.Diagnostics;

namespace Orion.Transport.Benchmarks;

/// <summary>
/// Runs a freshly set-up benchmark body until the connection is warm (TCP window grown, code at
/// its final JIT tier), so that the round trips recorded afterwards are all steady state.
/// </summary>
internal static class ConnectionWarmUp
{
    private static readonly TimeSpan s_minimum = TimeSpan.FromMilliseconds(300);
    private const int MinimumInvocations = 4;

    public static void Run(Func<ValueTask> invocation)
    {
        var started = Stopwatch.GetTimestamp();
        for (var invocations = 0; invocations < MinimumInvocations || Stopwatch.GetElapsedTime(started) < s_minimum; invocations++)
        {
            invocation().AsTask().GetAwaiter().GetResult();
        }
    }

    public static void Run(Action invocation) => Run(() =>
    {
        invocation();
        return ValueTask.CompletedTask;
    });
}
