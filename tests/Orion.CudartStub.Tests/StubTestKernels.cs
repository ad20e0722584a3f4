using Orion.Cuda.Remote;
using Orion.Server.Core.Backend.Emulated;

namespace Orion.CudartStub.Tests;

/// <summary>
/// The kernels the C test programs of both native front ends launch, as the emulated device runs
/// them: <c>orion_test_vector_add(a, b, c, n)</c>, a kernel that always faults, a counter global, and
/// kernels that sample a texture object and update a surface object (the driver front end's arrays test).
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
        .Register("orion_test_grid_phases", [8, 8, 8, 8, 4], GridPhases)
        // orion_test_texture_sample(cudaTextureObject_t tex, float* out, int w, int h, float dx, float dy):
        // out[y*w+x] = tex2D<float>(tex, x + 0.5 + dx, y + 0.5 + dy)
        .Register("orion_test_texture_sample", [8, 8, 4, 4, 4, 4], launch =>
        {
            var (w, h) = (launch.Parameter<int>(2), launch.Parameter<int>(3));
            var output = launch.Memory<float>(launch.Parameter<ulong>(1), (long)w * h);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    output[(y * w) + x] = launch.Texture2D<float>(launch.Parameter<ulong>(0), x + 0.5f + launch.Parameter<float>(4),
                        y + 0.5f + launch.Parameter<float>(5));
                }
            }
        })
        // orion_test_surface_update(cudaSurfaceObject_t s, int w, int h): each float v becomes v * 0.5 + 1, in place
        .Register("orion_test_surface_update", [8, 4, 4], launch =>
        {
            var surface = launch.Parameter<ulong>(0);
            for (var y = 0; y < launch.Parameter<int>(2); y++)
            {
                for (var x = 0; x < launch.Parameter<int>(1); x++)
                {
                    launch.Surface2DWrite((launch.Surface2DRead<float>(surface, x * 4, y) * 0.5f) + 1f, surface, x * 4, y);
                }
            }
        })
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

    /// <summary>
    /// <c>orion_test_grid_phases(int* a, int* b, long long* partial, long long* total, int n)</c>, the kernel of
    /// tests/cuda/library-programs/15_cooperative_grid_sync.cu: every thread writes its grid-stride share of
    /// <c>a</c>; grid.sync(); each reads elements other blocks wrote into <c>b</c> and its block sums into
    /// <c>partial</c>; grid.sync(); block 0 adds the partial sums. The body runs one phase for the whole grid
    /// before the next, which is what the barrier guarantees; outside a cooperative launch it faults, as
    /// grid.sync() has no meaning there.
    /// </summary>
    private static void GridPhases(EmulatedLaunch launch)
    {
        if (!launch.IsCooperative)
        {
            EmulatedLaunch.Fault(CudaStatus.LaunchFailed, "orion_test_grid_phases synchronizes the grid outside a cooperative launch");
        }
        var n = launch.Parameter<int>(4);
        var blocks = (int)launch.Grid.Volume;
        var blockThreads = (long)launch.Block.Volume;
        var stride = blocks * blockThreads;
        var a = launch.Memory<int>(launch.Parameter<ulong>(0), n);
        var b = launch.Memory<int>(launch.Parameter<ulong>(1), n);
        var partial = launch.Memory<long>(launch.Parameter<ulong>(2), blocks);
        for (var i = 0; i < n; i++)
        {
            a[i] = (int)((long)i * 37 % 1001);
        }
        partial.Clear();
        for (var i = 0; i < n; i++)
        {
            b[i] = a[(int)((i + (n / 2) + 12345L) % n)] - a[i];
            partial[(int)(i % stride / blockThreads)] += b[i] + (2L * a[n - 1 - i]);
        }
        long total = 0;
        foreach (var sum in partial)
        {
            total += sum;
        }
        launch.Memory<long>(launch.Parameter<ulong>(3), 1)[0] = total;
    }
    /// <summary>The elements a kernel guarded by <c>if (i &lt; n)</c> touches: one per thread, at most n.</summary>
    private static int ThreadsFor(EmulatedLaunch launch, int n) => (int)Math.Min((ulong)Math.Max(n, 0), launch.ThreadCount);
}
