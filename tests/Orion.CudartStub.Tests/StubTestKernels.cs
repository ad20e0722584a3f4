using Orion.Cuda.Remote;
using Orion.Server.Core.Backend.Emulated;

namespace Orion.CudartStub.Tests;

/// <summary>
/// The kernels the C test programs of both native front ends launch, as the emulated device runs
/// them: <c>orion_test_vector_add(a, b, c, n)</c>, a kernel that always faults, and a counter global.
/// </summary>
internal static class StubTestKernels
{
    public static EmulatedKernelRegistry Create() => new EmulatedKernelRegistry()
        .Register("orion_test_vector_add", [8, 8, 8, 4], launch =>
        {
            var n = launch.Parameter<int>(3);
            var count = (int)Math.Min((ulong)n, launch.ThreadCount);
            var a = launch.Memory<float>(launch.Parameter<ulong>(0), count);
            var b = launch.Memory<float>(launch.Parameter<ulong>(1), count);
            var c = launch.Memory<float>(launch.Parameter<ulong>(2), count);
            for (var i = 0; i < count; i++)
            {
                c[i] = a[i] + b[i];
            }
        })
        .Register("orion_test_fault", [], _ => EmulatedLaunch.Fault(CudaStatus.IllegalAddress, "orion_test_fault always faults"))
        // The graph test's kernels (as in tests/cuda/library-programs/16_cuda_graphs.cu):
        // add_pattern(int* x, int n, int mod): x[i] += i % mod
        .Register("orion_test_add_pattern", [8, 4, 4], launch =>
        {
            var x = launch.Memory<int>(launch.Parameter<ulong>(0), ThreadsFor(launch, launch.Parameter<int>(1)));
            var mod = launch.Parameter<int>(2);
            for (var i = 0; i < x.Length; i++)
            {
                x[i] += i % mod;
            }
        })
        // add_const(int* x, int n, int c): x[i] += c
        .Register("orion_test_add_const", [8, 4, 4], launch =>
        {
            var x = launch.Memory<int>(launch.Parameter<ulong>(0), ThreadsFor(launch, launch.Parameter<int>(1)));
            var c = launch.Parameter<int>(2);
            for (var i = 0; i < x.Length; i++)
            {
                x[i] += c;
            }
        })
        // accumulate(long long* acc, const int* z, int n, int factor): acc[i] += z[i] * factor
        .Register("orion_test_accumulate", [8, 8, 4, 4], launch =>
        {
            var count = ThreadsFor(launch, launch.Parameter<int>(2));
            var acc = launch.Memory<long>(launch.Parameter<ulong>(0), count);
            var z = launch.Memory<int>(launch.Parameter<ulong>(1), count);
            var factor = launch.Parameter<int>(3);
            for (var i = 0; i < count; i++)
            {
                acc[i] += (long)z[i] * factor;
            }
        })
        .RegisterGlobal("orion_test_counter", 4);

    /// <summary>The elements a kernel guarded by <c>if (i &lt; n)</c> touches: one per thread, at most n.</summary>
    private static int ThreadsFor(EmulatedLaunch launch, int n) => (int)Math.Min((ulong)Math.Max(n, 0), launch.ThreadCount);
}
