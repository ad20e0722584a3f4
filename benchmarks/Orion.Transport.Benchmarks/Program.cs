using BenchmarkDotNet.Running;

namespace Orion.Transport.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(SuiteOptions.Usage);
            return 0;
        }
        var options = SuiteOptions.Parse(args, out var benchmarkDotNetArgs);

        // Percentiles of the previous run must not pass for this one's.
        if (Directory.Exists(options.LatencyDirectory))
        {
            Directory.Delete(options.LatencyDirectory, recursive: true);
        }
        Directory.CreateDirectory(options.LatencyDirectory);
        Environment.SetEnvironmentVariable(LatencyResultStore.DirectoryVariable, options.LatencyDirectory);

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(benchmarkDotNetArgs, TransportBenchmarkConfig.Create(options))
            .ToArray();
        if (summaries.Length == 0)
        {
            // Nothing ran: fine for --list, an error for a filter that matched nothing.
            return benchmarkDotNetArgs.Contains("--list") ? 0 : 1;
        }

        var markdown = ResultsMarkdown.Render(summaries, options);
        File.WriteAllText(options.MarkdownPath, markdown);
        Console.WriteLine();
        Console.WriteLine($"// Orion transport results ({options.MarkdownPath}):");
        Console.WriteLine(markdown);
        var failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        return failed ? 1 : 0;
    }
}
