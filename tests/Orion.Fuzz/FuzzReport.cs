using System.Globalization;
using System.Text;

namespace Orion.Fuzz;

/// <summary>What a fuzz run saw; <see cref="Problems"/> empty means it passed.</summary>
public sealed class FuzzReport
{
    public required FuzzOptions Options { get; init; }
    public long Messages { get; set; }
    public long Hellos { get; set; }
    public long RawFrames { get; set; }
    public long BulkMismatches { get; set; }
    public long Sessions { get; set; }
    public long Answered { get; set; }
    public long EndedByServer { get; set; }
    public long WaitedForAnnouncedData { get; set; }
    public long GoodClientRounds { get; set; }
    public TimeSpan Duration { get; set; }
    public string Baseline { get; set; } = "";
    public string End { get; set; } = "";
    public List<string> Problems { get; } = [];

    // Counted by the fuzzers as they go (Interlocked), copied to the properties by Sync.
    internal long MessagesCounter;
    internal long HelloCounter;
    internal long RawFrameCounter;
    internal long BulkMismatchCounter;
    internal long SessionCounter;
    internal long AnsweredCounter;
    internal long EndedCounter;
    internal long WaitedCounter;

    internal void Sync()
    {
        Messages = Interlocked.Read(ref MessagesCounter);
        Hellos = Interlocked.Read(ref HelloCounter);
        RawFrames = Interlocked.Read(ref RawFrameCounter);
        BulkMismatches = Interlocked.Read(ref BulkMismatchCounter);
        Sessions = Interlocked.Read(ref SessionCounter);
        Answered = Interlocked.Read(ref AnsweredCounter);
        EndedByServer = Interlocked.Read(ref EndedCounter);
        WaitedForAnnouncedData = Interlocked.Read(ref WaitedCounter);
    }

    public bool Passed => Problems.Count == 0;

    public override string ToString()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.Append(inv, $"isolation {Options.Isolation}{(Options.Isolation == Orion.Server.Core.SessionIsolation.Process ? Options.WorkerProcesses ? " (worker processes)" : " (in-process workers)" : "")}, seed {Options.Seed}, {Options.Fuzzers} fuzzers: ");
        text.Append(inv, $"{Messages:N0} messages in {Duration.TotalSeconds:0.0} s ({Messages / Math.Max(Duration.TotalSeconds, 0.001):N0}/s); ");
        text.Append(inv, $"{Sessions:N0} sessions, {Answered:N0} answered, {EndedByServer:N0} ended by the server, {WaitedForAnnouncedData:N0} left waiting for announced data; ");
        text.Append(inv, $"{Hellos:N0} hellos, {RawFrames:N0} raw frames, {BulkMismatches:N0} bulk mismatches; well-behaved client: {GoodClientRounds:N0} checked rounds; ");
        text.Append(inv, $"before: {Baseline}; after: {End}; ");
        text.Append(Passed ? "PASSED" : "FAILED: " + string.Join("; ", Problems));
        return text.ToString();
    }
}
