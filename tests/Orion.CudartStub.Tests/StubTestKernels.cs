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
        .RegisterGlobal("orion_test_counter", 4);
}
