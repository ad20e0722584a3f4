namespace Orion.Transport.Benchmarks;

/// <summary>
/// Hands round-trip percentiles from the process that ran a benchmark to the host process that
/// prints the tables. BenchmarkDotNet runs each benchmark in a child process by default, so the
/// hand-over is a small file per benchmark case in a directory the host names in an environment
/// variable, which the child inherits (in-process runs read the same files).
/// </summary>
internal static class LatencyResultStore
{
    public const string DirectoryVariable = "ORION_BENCH_LATENCY_DIR";

    public static string DirectoryPath =>
        Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "orion-bench-latency");

    public static void Write(string benchmarkType, string method, int size, LatencyPercentiles percentiles)
    {
        Directory.CreateDirectory(DirectoryPath);
        File.WriteAllText(FilePath(benchmarkType, method, size), percentiles.Serialize());
    }

    public static bool TryRead(string benchmarkType, string method, int size, out LatencyPercentiles percentiles)
    {
        percentiles = default;
        var path = FilePath(benchmarkType, method, size);
        return File.Exists(path) && LatencyPercentiles.TryParse(File.ReadAllText(path), out percentiles);
    }

    private static string FilePath(string benchmarkType, string method, int size)
        => Path.Combine(DirectoryPath, $"{benchmarkType}.{method}.{size}.latency");
}
