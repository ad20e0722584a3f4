using System.Runtime.InteropServices;
using System.Text;
using Orion.Server.Core.Backend.Emulated;

namespace Orion.Samples.Server;

/// <summary>
/// What the emulated device can run when the server is started with <c>--emulated</c>: the kernels
/// of the samples, by name, so that they can be tried on a machine without a GPU.
/// </summary>
internal static partial class DemoKernels
{
    public static EmulatedKernelRegistry Create() => new EmulatedKernelRegistry()
        // vectorAdd(const float* a, const float* b, float* c, int n), as samples/Orion.Samples.VectorAdd's PTX.
        .Register("vectorAdd", [8, 8, 8, 4], launch =>
        {
            var n = launch.Parameter<int>(3);
            var count = (int)Math.Min((ulong)Math.Max(n, 0), launch.ThreadCount);
            var a = launch.Memory<float>(launch.Parameter<ulong>(0), count);
            var b = launch.Memory<float>(launch.Parameter<ulong>(1), count);
            var c = launch.Memory<float>(launch.Parameter<ulong>(2), count);
            for (var i = 0; i < count; i++)
            {
                c[i] = a[i] + b[i];
            }
        })
        // busy(int microseconds): what a long kernel does to a GPU: occupies it for a while (the emulated GPU is the
        // session's executor), so that tenants competing for one GPU can be watched taking turns.
        .Register("busy", [4], launch => Thread.Sleep(TimeSpan.FromMicroseconds(Math.Clamp(launch.Parameter<int>(0), 0, 1_000_000))))
        // devicePrintf(int value): what a kernel's printf("device: value %d\n", value) does on a GPU: the
        // driver writes the text to the process's standard output (descriptor 1), where a worker captures it.
        .Register("devicePrintf", [4], launch =>
        {
            var text = Encoding.ASCII.GetBytes($"device: value {launch.Parameter<int>(0)}\n");
            _ = WriteDescriptor(1, text, (nuint)text.Length);
        });

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint WriteDescriptor(int descriptor, byte[] data, nuint count);
}
