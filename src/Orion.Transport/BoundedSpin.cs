using System.Diagnostics;

namespace Orion.Transport;

/// <summary>
/// A wait that spins rather than sleeps, for a bounded time: for waits that are usually over in
/// microseconds (a reply, the next message), where putting the thread to sleep and waking it costs
/// about as much as the wait itself. Between looks it yields the core (never <c>Sleep(1)</c>), so on
/// a machine with few cores the thread it waits for still gets to run.
/// </summary>
public static class BoundedSpin
{
    /// <summary>Looks at <paramref name="condition"/> until it holds (true) or <paramref name="ticks"/>
    /// (<see cref="Stopwatch"/> ticks) have passed (false); with no time at all, does not look.</summary>
    public static bool Until<TState>(Func<TState, bool> condition, TState state, long ticks)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (ticks <= 0)
        {
            return false;
        }
        var until = Stopwatch.GetTimestamp() + ticks;
        var spinner = default(SpinWait);
        do
        {
            if (condition(state))
            {
                return true;
            }
            spinner.SpinOnce(sleep1Threshold: -1);
        }
        while (Stopwatch.GetTimestamp() < until);
        return false;
    }

    /// <summary><paramref name="time"/> in <see cref="Stopwatch"/> ticks, as <see cref="Until"/> takes it.</summary>
    public static long Ticks(TimeSpan time) => (long)(time.TotalSeconds * Stopwatch.Frequency);
}
