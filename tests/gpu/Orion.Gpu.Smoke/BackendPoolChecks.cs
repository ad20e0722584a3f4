using System.Runtime.InteropServices;
using System.Text;
using Orion.Gpu.Tests;
using Orion.Server.Core.Backend;

namespace Orion.Gpu.Smoke;

/// <summary>
/// Memory pools and cooperative launches through the CUDA driver backend: each context's own default pool
/// (two contexts of one process must not see each other's pool state), a created pool, the pools' cleanup
/// when a context ends, and cuLaunchCooperativeKernel with the largest grid that fits and one block more.
/// </summary>
internal sealed class BackendPoolChecks(CheckRunner runner)
{
    // CUmemPool_attribute
    private const MemoryPoolAttributeId Threshold = MemoryPoolAttributeId.ReleaseThreshold;
    private const MemoryPoolAttributeId Reserved = MemoryPoolAttributeId.ReservedMemoryCurrent;
    private const MemoryPoolAttributeId Used = MemoryPoolAttributeId.UsedMemoryCurrent;

    private IGpuBackend? _backend;

    public void RunAll()
    {
        if (!GpuBackendProvider.TryCreateCudaDriver(out _backend, out _))
        {
            return;
        }

        runner.Run("backend: memory pools are each context's own", () => OnThread(Pools));
        runner.Run("backend: cooperative launch", () => OnThread(Cooperative));
    }

    private static ulong Get(IGpuContext context, GpuMemoryPoolHandle pool, MemoryPoolAttributeId attribute)
    {
        Expect.Status(CudaStatus.Success, context.GetMemoryPoolAttribute(pool, attribute, out ulong value), $"GetMemoryPoolAttribute({attribute})");
        return value;
    }

    private string Pools()
    {
        Expect.Status(CudaStatus.Success, _backend!.CreateContext(0, out IGpuContext? other), "CreateContext(other)");
        using (other)
        {
            IGpuContext b = other!;
            Expect.Status(CudaStatus.Success, b.GetMemoryInfo(out ulong freeBefore, out _), "GetMemoryInfo");
            Expect.Status(CudaStatus.Success, b.GetDefaultMemoryPool(out GpuMemoryPoolHandle theirs), "GetDefaultMemoryPool(other)");
            const ulong Bytes = 256UL << 20;
            Expect.Status(CudaStatus.Success, _backend.CreateContext(0, out IGpuContext? mine), "CreateContext");
            IGpuContext a = mine!;
            Expect.Status(CudaStatus.Success, a.GetDefaultMemoryPool(out GpuMemoryPoolHandle pool), "GetDefaultMemoryPool");
            Expect.True(pool != theirs, "two contexts got the same default pool");
            Expect.Status(CudaStatus.Success, a.GetDefaultMemoryPool(out GpuMemoryPoolHandle again), "GetDefaultMemoryPool again");
            Expect.True(pool == again, "the default pool changed");
            Expect.Equal(1UL, Get(a, pool, MemoryPoolAttributeId.ReuseAllowOpportunistic), "reuse policy default");

            // A threshold and usage in one context are invisible in the other.
            Expect.Status(CudaStatus.Success, a.SetMemoryPoolAttribute(pool, Threshold, 1UL << 30), "SetMemoryPoolAttribute(threshold)");
            Expect.Equal(1UL << 30, Get(a, pool, Threshold), "threshold read back");
            Expect.Equal(0UL, Get(b, theirs, Threshold), "other context's threshold");
            Expect.Status(CudaStatus.Success, a.AllocateAsync(Bytes, GpuStreamHandle.Null, out ulong first), "AllocateAsync");
            Expect.True(Get(a, pool, Used) >= Bytes, "AllocateAsync takes from the context's default pool");
            Expect.Equal(0UL, Get(b, theirs, Used), "other context's usage");
            Expect.Status(CudaStatus.Success, a.FreeAsync(first, GpuStreamHandle.Null), "FreeAsync");
            Expect.Status(CudaStatus.Success, a.Synchronize(), "Synchronize");
            Expect.Equal(0UL, Get(a, pool, Used), "used after free");
            ulong kept = Get(a, pool, Reserved);
            Expect.True(kept >= Bytes, $"memory under the threshold is kept ({kept})");
            Expect.Status(CudaStatus.Success, a.TrimMemoryPool(pool, 0), "TrimMemoryPool");
            Expect.Equal(0UL, Get(a, pool, Reserved), "reserved after trim");

            // Rules the driver keeps.
            Expect.Status(CudaStatus.InvalidValue, a.DestroyMemoryPool(pool), "DestroyMemoryPool(default)");
            Expect.Status(CudaStatus.InvalidValue, a.SetMemoryPoolAttribute(pool, Used, 0), "SetMemoryPoolAttribute(used)");
            Expect.Status(CudaStatus.Success, a.SetMemoryPoolAttribute(pool, MemoryPoolAttributeId.UsedMemoryHigh, 0), "reset used high");

            // A created pool holds data; its allocations and kept memory go when the context ends.
            Expect.Status(CudaStatus.Success, a.CreateMemoryPool(new MemoryPoolProperties(0, 0), out GpuMemoryPoolHandle created), "CreateMemoryPool");
            Expect.Status(CudaStatus.Success, a.AllocateFromPoolAsync(4096, created, GpuStreamHandle.Null, out ulong small), "AllocateFromPoolAsync");
            Expect.Status(CudaStatus.Success, a.MemsetAsync(small, 0x5A, MemsetElementSize.Bits8, 4096, GpuStreamHandle.Null), "MemsetAsync");
            byte[] back = new byte[4096];
            unsafe
            {
                fixed (byte* host = back)
                {
                    Expect.Status(CudaStatus.Success, a.CopyDeviceToHost((nint)host, small, 4096), "CopyDeviceToHost");
                }
            }

            Expect.True(back.All(x => x == 0x5A), "pool memory holds data");
            Expect.Status(CudaStatus.Success, a.AllocateFromPoolAsync(Bytes, created, GpuStreamHandle.Null, out _), "AllocateFromPoolAsync (left out)");
            Expect.Status(CudaStatus.Success, a.AllocateAsync(Bytes, GpuStreamHandle.Null, out ulong keptBlock), "AllocateAsync (kept)");
            Expect.Status(CudaStatus.Success, a.FreeAsync(keptBlock, GpuStreamHandle.Null), "FreeAsync (kept)");
            Expect.Status(CudaStatus.Success, a.Synchronize(), "Synchronize");
            Expect.Status(CudaStatus.Success, b.GetMemoryInfo(out ulong freeDuring, out _), "GetMemoryInfo during");
            a.Dispose();
            Expect.Status(CudaStatus.Success, b.GetMemoryInfo(out ulong freeAfter, out _), "GetMemoryInfo after");
            Expect.True(freeDuring + Bytes <= freeBefore, $"the pools held memory ({freeBefore} free before, {freeDuring} during)");
            Expect.True(freeAfter + (64UL << 20) >= freeBefore, $"the context's end gave its pools' memory back ({freeBefore} free before, {freeAfter} after)");
            return $"{kept >> 20} MiB kept under the threshold and trimmed; {(freeBefore - freeDuring) >> 20} MiB held by the pools went back at the context's end";
        }
    }

    private string Cooperative()
    {
        Expect.Status(CudaStatus.Success, _backend!.GetDeviceInfo(0, out GpuDeviceInfo? info), "GetDeviceInfo");
        Expect.Equal(1, info!.GetAttribute(95), "cooperative launch attribute");
        int multiprocessors = info.GetAttribute(16);
        Expect.Status(CudaStatus.Success, _backend.CreateContext(0, out IGpuContext? context), "CreateContext");
        using (context)
        {
            IGpuContext c = context!;
            Expect.Status(CudaStatus.Success, c.LoadModule(Encoding.ASCII.GetBytes(MixedKernel.LoadPtx()), out GpuModuleHandle module), "LoadModule(PTX)");
            Expect.Status(CudaStatus.Success, c.GetFunction(module, MixedKernel.Name, out GpuFunctionHandle function, out KernelParameterInfo[] layout), "GetFunction");
            Expect.Status(CudaStatus.Success, c.GetMaxActiveBlocksPerMultiprocessor(function, 256, 0, 0, out int perMultiprocessor), "occupancy");
            int blocks = perMultiprocessor * multiprocessors, n = blocks * 256;
            var p = new MixedParams { Scale = 1.5f, Offset = -3, Bias = 0.25 };
            float a = 2f;
            byte flag = 9;
            float[] x = Enumerable.Range(0, n).Select(i => (float)(i % 1000) - 500f).ToArray();
            float[] y = new float[n];
            Expect.Status(CudaStatus.Success, c.Allocate((ulong)n * 4, out ulong dx), "Allocate");
            Expect.Status(CudaStatus.Success, c.Allocate((ulong)n * 4, out ulong dy), "Allocate");
            byte[] packed = new byte[MixedKernel.PackedSize];
            BitConverter.TryWriteBytes(packed.AsSpan((int)layout[0].Offset), dx);
            BitConverter.TryWriteBytes(packed.AsSpan((int)layout[1].Offset), dy);
            BitConverter.TryWriteBytes(packed.AsSpan((int)layout[2].Offset), n);
            BitConverter.TryWriteBytes(packed.AsSpan((int)layout[3].Offset), a);
            MemoryMarshal.Write(packed.AsSpan((int)layout[4].Offset), in p);
            packed[layout[5].Offset] = flag;
            unsafe
            {
                fixed (float* hx = x)
                fixed (float* hy = y)
                {
                    Expect.Status(CudaStatus.Success, c.CopyHostToDevice(dx, (nint)hx, (ulong)n * 4), "CopyHostToDevice");
                    var fits = new LaunchConfiguration(new Dim3((uint)blocks), new Dim3(256), 0);
                    Expect.Status(CudaStatus.Success, c.LaunchCooperative(function, fits, GpuStreamHandle.Null, packed), "LaunchCooperative");
                    Expect.Status(CudaStatus.Success, c.Synchronize(), "Synchronize");
                    Expect.Status(CudaStatus.Success, c.CopyDeviceToHost((nint)hy, dy, (ulong)n * 4), "CopyDeviceToHost");
                }
            }

            Expect.SameBits(x.Select(v => MixedKernel.Reference(v, a, p, flag)).ToArray(), y, "cooperative launch vs host");
            var tooLarge = new LaunchConfiguration(new Dim3((uint)blocks + 1), new Dim3(256), 0);
            Expect.Status(CudaStatus.CooperativeLaunchTooLarge, c.LaunchCooperative(function, tooLarge, GpuStreamHandle.Null, packed), "LaunchCooperative(one block too many)");
            Expect.Status(CudaStatus.Success, c.Synchronize(), "Synchronize after the refusal (not sticky)");
            return $"{blocks} blocks ({perMultiprocessor}/SM x {multiprocessors} SMs) ran; {blocks + 1} refused with 720";
        }
    }

    private static string OnThread(Func<string> work)
    {
        string result = string.Empty;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
#pragma warning disable CA1031 // rethrown on the caller's thread
            catch (Exception e)
#pragma warning restore CA1031
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new InvalidOperationException(failure.Message, failure);
        }

        return result;
    }
}
