namespace Orion.Transport.Benchmarks;

/// <summary>The suite's own command-line options; everything else goes to BenchmarkDotNet (e.g. <c>--filter</c>).</summary>
internal sealed record SuiteOptions(bool Quick, bool InProcess, string ResultsDirectory)
{
    public const string Usage = """
        Orion transport benchmarks. Options of this suite (the rest goes to BenchmarkDotNet):
          --quick             short job (few iterations) for a smoke run; default is the full job
          --full              the full job (default)
          --inprocess         run benchmarks in this process (InProcessEmitToolchain), for hosts without an SDK
          --results <dir>     where the results table and BenchmarkDotNet artifacts go (default artifacts/bench)
        Environment: ORION_BENCH_SIZES=64,4096 narrows the message sizes.
        """;

    public string MarkdownPath => Path.Combine(ResultsDirectory, "transport-results.md");

    public string LatencyDirectory => Path.Combine(ResultsDirectory, "latency");

    public string ArtifactsDirectory => Path.Combine(ResultsDirectory, "BenchmarkDotNet.Artifacts");

    public static SuiteOptions Parse(IReadOnlyList<string> args, out string[] benchmarkDotNetArgs)
    {
        var quick = false;
        var inProcess = false;
        var results = Path.Combine("artifacts", "bench");
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--full":
                    quick = false;
                    break;
                case "--inprocess":
                    inProcess = true;
                    break;
                case "--results" when i + 1 < args.Count:
                    results = args[++i];
                    break;
                case "--results":
                    throw new ArgumentException("--results needs a directory.");
                default:
                    rest.Add(args[i]);
                    break;
            }
        }
        benchmarkDotNetArgs = [.. rest];
        return new SuiteOptions(quick, inProcess, Path.GetFullPath(results));
    }
}
