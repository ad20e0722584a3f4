using System.Reflection;
using BenchmarkDotNet.Running;

namespace Orion.Transport.Benchmarks;

/// <summary>What the custom columns and the results table need to know about a benchmark case.</summary>
internal readonly record struct BenchmarkCaseInfo(string TypeName, string Method, int Size, long? BytesPerOperation)
{
    public static BenchmarkCaseInfo From(BenchmarkCase benchmarkCase)
    {
        var descriptor = benchmarkCase.Descriptor;
        var size = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(PingPongBenchmarks.Size))?.Value is int value ? value : 0;
        var bytesPerOperation = descriptor.Type.GetCustomAttribute<BytesPerOperationAttribute>()?.Bytes;
        return new BenchmarkCaseInfo(descriptor.Type.Name, descriptor.WorkloadMethod.Name, size, bytesPerOperation);
    }
}
