using Orion.Server.Core;

namespace Orion.Fuzz;

/// <summary>What one fuzz run does.</summary>
public sealed record FuzzOptions
{
    /// <summary>Generated and mutated messages to send in all (hellos, records, raw frames, mismatched bulk data).</summary>
    public long Messages { get; init; } = 10_000;

    /// <summary>Where the server runs sessions.</summary>
    public SessionIsolation Isolation { get; init; } = SessionIsolation.Context;

    /// <summary>Process isolation: real worker processes (this program again, <c>orion-fuzz worker ...</c>) rather than
    /// workers inside the server's process (<c>InProcessWorkerLauncher</c>: the same redirect, ticket and worker code).</summary>
    public bool WorkerProcesses { get; init; }

    /// <summary>Fuzzing connections at once.</summary>
    public int Fuzzers { get; init; } = 4;

    /// <summary>The seed of the first fuzzer (each next one adds 1); a run with the same seeds sends the same messages.</summary>
    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>How long a fuzz connection may go without an answer or its end before the case is a hang.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many more threads the process may have at the end than at the start before the run counts them as leaked. 8
    /// for a process of its own (orion-fuzz); a test process that runs other suites beside the fuzz run grows its
    /// thread pool for them, so it allows more.
    /// </summary>
    public int ThreadGrowthAllowed { get; init; } = 8;

    /// <summary>Progress lines (null: none).</summary>
    public Action<string>? Progress { get; init; }
}
