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
        .RegisterGlobal("orion_test_counter", 4);
}
