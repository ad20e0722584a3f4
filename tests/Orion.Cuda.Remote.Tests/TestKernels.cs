using System.Runtime.InteropServices;
using Orion.Cuda.Remote;
using Orion.Server.Core.Backend.Emulated;

namespace Orion.Cuda.Remote.Tests;

/// <summary>A by-value struct parameter, as a CUDA kernel would declare it.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct MixedStruct
{
    public int A;
    public float B;
    public double C;
}

/// <summary>The kernels the emulated device runs in these tests, each doing what its CUDA counterpart would.</summary>
public static class TestKernels
{
    public const string CounterGlobal = "counter";

    public static EmulatedKernelRegistry Create() => new EmulatedKernelRegistry()
        // vectorAdd(const float* a, const float* b, float* c, int n)
        .Register("vectorAdd", [8, 8, 8, 4], launch =>
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
        // mixed(double* out, int i, float f, MixedStruct s, double d, char tag): out[0] = i + f + s.A + s.B + s.C + d + tag
        .Register("mixed", [8, 4, 4, 16, 8, 1], launch =>
        {
            var s = launch.Parameter<MixedStruct>(3);
            var output = launch.Memory<double>(launch.Parameter<ulong>(0), 1);
            output[0] = launch.Parameter<int>(1) + launch.Parameter<float>(2) + s.A + s.B + s.C + launch.Parameter<double>(4) + launch.Parameter<byte>(5);
        })
        // fault(int* p): writes far past its buffer, as an out-of-bounds kernel would
        .Register("fault", [8], launch =>
        {
            launch.Memory<int>(launch.Parameter<ulong>(0) + (1UL << 30), 1)[0] = 1;
        })
        // empty(): does nothing (for launch-only tests)
        .Register("empty", [], _ => { })
        // busy(int microseconds): a kernel that occupies the GPU for a while (the emulated GPU is the session's executor)
        .Register("busy", [4], launch => Thread.Sleep(TimeSpan.FromMicroseconds(launch.Parameter<int>(0))))
        // hold(int gate): a long-running kernel: returns only once the test opens the gate (or after a minute),
        // so the session is busy while the test looks at what the client does meanwhile
        .Register("hold", [4], launch => HeldGate(launch.Parameter<int>(0)).Wait(TimeSpan.FromMinutes(1)))
        // gridSum(int* values, long long* total, int n): values[i] = 3i by every thread's grid-stride loop, then
        // grid.sync(), then block 0 sums what all blocks wrote. Only a cooperative launch may sync the grid.
        .Register("gridSum", [8, 8, 4], launch =>
        {
            if (!launch.IsCooperative)
            {
                EmulatedLaunch.Fault(CudaStatus.LaunchFailed, "gridSum synchronizes the grid: it needs a cooperative launch");
            }
            var n = launch.Parameter<int>(2);
            var values = launch.Memory<int>(launch.Parameter<ulong>(0), n);
            for (var i = 0; i < n; i++)
            {
                values[i] = 3 * i;
            }
            // grid.sync(): every block's phase 1 is done.
            long sum = 0;
            foreach (var value in values)
            {
                sum += value;
            }
            launch.Memory<long>(launch.Parameter<ulong>(1), 1)[0] = sum;
        })
        // sampleTexture(cudaTextureObject_t tex, float* out, int w, int h, float dx, float dy):
        // out[y*w+x] = tex2D<float>(tex, x + 0.5 + dx, y + 0.5 + dy)
        .Register("sampleTexture", [8, 8, 4, 4, 4, 4], launch =>
        {
            var (w, h) = (launch.Parameter<int>(2), launch.Parameter<int>(3));
            var (dx, dy) = (launch.Parameter<float>(4), launch.Parameter<float>(5));
            var output = launch.Memory<float>(launch.Parameter<ulong>(1), (long)w * h);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    output[(y * w) + x] = launch.Texture2D<float>(launch.Parameter<ulong>(0), x + 0.5f + dx, y + 0.5f + dy);
                }
            }
        })
        // surfaceUpdate(cudaSurfaceObject_t s, int w, int h): v = surf2Dread<float>(s, 4x, y); surf2Dwrite(v * 0.5 + 1, s, 4x, y)
        .Register("surfaceUpdate", [8, 4, 4], launch =>
        {
            var surface = launch.Parameter<ulong>(0);
            for (var y = 0; y < launch.Parameter<int>(2); y++)
            {
                for (var x = 0; x < launch.Parameter<int>(1); x++)
                {
                    var value = launch.Surface2DRead<float>(surface, x * 4, y);
                    launch.Surface2DWrite((value * 0.5f) + 1f, surface, x * 4, y);
                }
            }
        })
        .RegisterGlobal(CounterGlobal, 16);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, ManualResetEventSlim> s_holdGates = new();
    private static int s_lastHoldGate;

    /// <summary>A new closed gate for the <c>hold</c> kernel; <see cref="OpenHold"/> lets the kernels waiting on it finish.</summary>
    public static int NewHold() => Interlocked.Increment(ref s_lastHoldGate);

    public static void OpenHold(int gate) => HeldGate(gate).Set();

    private static ManualResetEventSlim HeldGate(int gate) => s_holdGates.GetOrAdd(gate, _ => new ManualResetEventSlim(false));

    /// <summary>Some module image; the emulated device accepts any non-empty image.</summary>
    public static byte[] ModuleImage => "// emulated module: kernels are resolved by name\n"u8.ToArray();

    /// <summary>Runs vectorAdd on <paramref name="gpu"/> over <paramref name="count"/> elements and checks every sum: proof that a session serves real work.</summary>
    public static void AssertVectorAddWorks(RemoteGpu gpu, int count = 2000)
    {
        using var module = gpu.LoadModule(ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        var a = Enumerable.Range(0, count).Select(i => (float)i).ToArray();
        var b = Enumerable.Range(0, count).Select(i => 3f * i).ToArray();
        using var da = gpu.Upload<float>(a);
        using var db = gpu.Upload<float>(b);
        using var dc = gpu.Allocate<float>(count);
        kernel.Launch((uint)((count + 255) / 256), 256, da, db, dc, count);
        Assert.Equal(a.Zip(b, (x, y) => x + y), dc.ToArray());
    }
}
