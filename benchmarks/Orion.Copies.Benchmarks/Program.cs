using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using K4os.Compression.LZ4;

namespace Orion.Copies.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        PrintCompressionRatios();
        var config = DefaultConfig.Instance.AddColumn(new ThroughputColumn());
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config).ToArray();
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }

    /// <summary>LZ4's ratio on one 4 MiB chunk of each kind of data (the rates are the benchmark's).</summary>
    private static void PrintCompressionRatios()
    {
        Console.WriteLine("| data | 4 MiB chunk compresses to | ratio |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var kind in Enum.GetValues<DataKind>())
        {
            var chunk = TestData.Make(kind, Lz4Benchmarks.ChunkBytes);
            var block = new byte[LZ4Codec.MaximumOutputSize(chunk.Length)];
            var stored = LZ4Codec.Encode(chunk, block);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {kind} | {stored:N0} bytes | {(double)stored / chunk.Length:0.000} |"));
        }
    }

    /// <summary>MB/s (10^6 bytes per second) of the case's <c>Bytes</c> per operation.</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => "Orion.Copies.Throughput";

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 1;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Bytes per operation / mean time, 10^6 bytes per second";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var bytes = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Bytes")?.Value as int?
                ?? (benchmarkCase.Descriptor.Type == typeof(Lz4Benchmarks) ? Lz4Benchmarks.ChunkBytes : null);
            return bytes is { } b && summary[benchmarkCase]?.ResultStatistics?.Mean is > 0 and var nanoseconds
                ? (b / nanoseconds * 1000).ToString("N0", CultureInfo.InvariantCulture)
                : "-";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
