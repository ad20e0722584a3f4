using System.Diagnostics;
using System.Runtime.InteropServices;
using Orion.Cuda.Remote;
using Orion.Gpu.Tests;

namespace Orion.Gpu.RemoteTests;

/// <summary>
/// The GPU test of issue 3 through the client SDK: PTX and fatbin modules, a kernel with mixed
/// parameter types, 256 MiB copies both ways, streams and events, errors — every result checked
/// against the host.
/// </summary>
internal sealed unsafe class RemoteChecks(CheckRunner runner, RemoteGpu gpu, string fatbinPath)
{
    private const int BlockSize = 256;
    private const int LargeBytes = 256 << 20;

    public void RunAll()
    {
        runner.Run("device", CheckDevice);
        runner.Run("PTX module: mixed parameters", () => CheckModule(gpu.LoadPtx(MixedKernel.LoadPtx()), "PTX"));
        runner.Run("fatbin module: mixed parameters", () => CheckModule(gpu.LoadModule(File.ReadAllBytes(fatbinPath)), "fatbin"));
        runner.Run("256 MiB copies both ways", CheckLargeCopies);
        runner.Run("streams and events", CheckStreamsAndEvents);
        runner.Run("2D copies and memsets", Check2D);
        runner.Run("errors", CheckErrors);
        runner.Run("latency and launch rate", CheckLatency);
    }

    private string CheckDevice()
    {
        RemoteDeviceInfo device = gpu.Device;
        Expect.True(!device.IsEmulated, "the server offers the emulated device, not the GPU");
        Expect.True(gpu.DriverVersion >= 13000, $"driver version {gpu.DriverVersion}");
        Expect.True(device.ComputeCapability.Major >= 7, $"compute capability {device.ComputeCapability}");
        Expect.True(device.MultiprocessorCount > 0 && device.TotalMemory > (1UL << 30), "SMs / memory");
        (ulong free, ulong total) = gpu.GetMemoryInfo();
        Expect.True(free > 0 && free <= total, "memory info");
        return $"'{device.Name}' sm_{device.ComputeCapability.Major}{device.ComputeCapability.Minor}, {device.MultiprocessorCount} SMs, " +
               $"{total >> 20} MiB ({free >> 20} free), driver {gpu.DriverVersion}, server '{gpu.Client.ServerDescription}', chunk {gpu.Client.ChunkBytes >> 10} KiB";
    }

    private string CheckModule(RemoteModule module, string label)
    {
        using (module)
        {
            RemoteKernel kernel = module.GetKernel(MixedKernel.Name);
            string layout = string.Join(" ", kernel.Parameters.Select(p => $"({p.Offset}, {p.Size})"));
            Expect.Equal(string.Join(" ", MixedKernel.ExpectedLayout), layout, "parameter layout from cuFuncGetParamInfo");
            (ulong counter, ulong counterBytes) = module.GetGlobal(MixedKernel.CounterName);
            Expect.Equal(4UL, counterBytes, "global size");
            Expect.Ok(gpu.Client.Memset(counter, 0, 4, 1), "memset counter");

            int n = (1 << 24) + 5; // 64 MiB per array, not a multiple of the block
            float a = -1.25f;
            var p = new MixedParams { Scale = 3.5f, Offset = -17, Bias = 2.0 / 3.0 };
            byte flag = 9;
            float[] x = new float[n];
            float[] expected = new float[n];
            var random = new Random(42);
            for (int i = 0; i < n; i++)
            {
                x[i] = (float)((random.NextDouble() * 1e4) - 5e3);
                expected[i] = MixedKernel.Reference(x[i], a, p, flag);
            }

            using DeviceBuffer<float> dx = gpu.Upload<float>(x);
            using DeviceBuffer<float> dy = gpu.Allocate<float>(n);
            dy.Fill32(0xFFFFFFFF);
            var watch = Stopwatch.StartNew();
            kernel.Launch(new Dim3((uint)((n + BlockSize - 1) / BlockSize)), new Dim3(BlockSize), 0, null,
                dx, dy, n, a, KernelArgument.From(p), KernelArgument.From(flag));
            gpu.Synchronize();
            double launchMs = watch.Elapsed.TotalMilliseconds;
            float[] y = dy.ToArray();
            Expect.SameBits(expected, y, $"{label} kernel vs host");

            uint launches;
            Expect.Ok(gpu.Client.CopyDeviceToHost((nint)(&launches), counter, 4), "read counter");
            Expect.Equal(1u, launches, "launch counter global");
            return $"layout {layout}; {n} elements bit-identical to host (launch+sync {launchMs:F2} ms); " +
                   $"{kernel.GetAttribute(4)} regs, {kernel.MaxActiveBlocksPerMultiprocessor(BlockSize)} blocks/SM";
        }
    }

    private string CheckLargeCopies()
    {
        byte[] source = new byte[LargeBytes];
        byte[] back = new byte[LargeBytes];
        new Random(7).NextBytes(source);
        using DeviceBuffer<byte> device = gpu.Allocate<byte>(LargeBytes);
        using DeviceBuffer<byte> copy = gpu.Allocate<byte>(LargeBytes);
        double bestUp = 0, bestDown = 0;
        for (int round = 0; round < 3; round++)
        {
            Array.Clear(back);
            var watch = Stopwatch.StartNew();
            device.CopyFrom(source);
            bestUp = Math.Max(bestUp, LargeBytes / watch.Elapsed.TotalSeconds / 1e9);
            watch.Restart();
            device.CopyTo(back);
            bestDown = Math.Max(bestDown, LargeBytes / watch.Elapsed.TotalSeconds / 1e9);
            Expect.SameBytes(source, back, $"256 MiB round trip {round}");
        }

        // Device-to-device and a memset over part of it, checked the same way.
        copy.CopyFrom(device);
        Expect.Ok(gpu.Client.Memset(copy.Address + 4096, 0xA5A5A5A5, 4, 1 << 20), "memset 32");
        MemoryMarshal.Cast<byte, uint>(source.AsSpan(4096, 4 << 20)).Fill(0xA5A5A5A5);
        copy.CopyTo(back);
        Expect.SameBytes(source, back, "D2D copy + memset");
        return $"H2D {bestUp:F2} GB/s, D2H {bestDown:F2} GB/s (best of 3, pageable managed arrays); D2D + memset exact";
    }

    private string CheckStreamsAndEvents()
    {
        Expect.Ok(gpu.Client.GetStreamPriorityRange(out int least, out int greatest), "priority range");
        using RemoteStream producer = gpu.CreateStream(flags: 1, priority: greatest);
        using RemoteStream consumer = gpu.CreateStream(flags: 1, priority: least);
        using RemoteEvent start = gpu.CreateEvent();
        using RemoteEvent stop = gpu.CreateEvent();
        using RemoteEvent handoff = gpu.CreateEvent(RemoteEvent.DisableTiming);
        using RemoteModule module = gpu.LoadPtx(MixedKernel.LoadPtx());
        RemoteKernel kernel = module.GetKernel(MixedKernel.Name);

        const int N = 4 << 20;
        float[] x = new float[N];
        float[] expected = new float[N];
        var p = new MixedParams { Scale = 1.5f, Offset = 2, Bias = -0.5 };
        for (int i = 0; i < N; i++)
        {
            x[i] = i * 0.001f;
            expected[i] = MixedKernel.Reference(x[i], 2f, p, 1);
        }

        using DeviceBuffer<float> dx = gpu.Allocate<float>(N);
        using DeviceBuffer<float> dy = gpu.Allocate<float>(N);
        float* result = (float*)NativeMemory.Alloc((nuint)N * 4);
        using var reached = new ManualResetEventSlim();
        using var beforeDownload = new ManualResetEventSlim();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            // producer: upload, kernel, hand-off event; consumer: wait for it, download, callback.
            start.Record(producer);
            dx.CopyFromAsync(x, producer);
            kernel.Launch(new Dim3(N / BlockSize), new Dim3(BlockSize), 0, producer, dx, dy, N, 2f, KernelArgument.From(p), KernelArgument.From((byte)1));
            handoff.Record(producer);
            consumer.Wait(handoff);
            // A host function the download waits for on its stream: the server must not hold its
            // send lock while the GPU runs it (its notification would wait forever for that lock).
            consumer.LaunchHostFunction(() => { order.Enqueue("before"); beforeDownload.Set(); });
            Expect.Ok(gpu.Client.CopyDeviceToHostAsync((nint)result, dy.Address, (ulong)N * 4, consumer.Handle), "cuMemcpyDtoHAsync");
            consumer.LaunchHostFunction(() => { order.Enqueue("after"); reached.Set(); });
            stop.Record(consumer);
            stop.Synchronize();
            Expect.True(stop.IsComplete, "stop event complete after synchronize");
            consumer.Synchronize();
            Expect.True(consumer.IsIdle && producer.IsIdle, "streams idle");
            float elapsed = stop.ElapsedSince(start);
            Expect.True(elapsed > 0, $"elapsed {elapsed} ms");
            Expect.True(reached.Wait(TimeSpan.FromSeconds(10)) && beforeDownload.Wait(TimeSpan.FromSeconds(10)), "host function never reported");
            Expect.True(string.Join(",", order) == "before,after", $"host functions ran in stream order ({string.Join(",", order)})");
            Expect.SameBits(expected, new ReadOnlySpan<float>(result, N), "cross-stream pipeline vs host");
            return $"priorities [{least},{greatest}]; upload+kernel+download of 16 MiB across 2 streams: {elapsed:F3} ms by events; host functions before and after the download reported in order";
        }
        finally
        {
            NativeMemory.Free(result);
        }
    }

    private string Check2D()
    {
        const int Width = 1000, Height = 37;
        Expect.Ok(gpu.Client.AllocatePitch(Width, Height, 4, out ulong device, out ulong pitch), "AllocatePitch");
        try
        {
            byte[] host = new byte[Width * Height];
            byte[] back = new byte[Width * Height];
            new Random(3).NextBytes(host);
            fixed (byte* h = host)
            fixed (byte* b = back)
            {
                Expect.Ok(gpu.Client.Copy2D(MemoryKind.Host, (ulong)h, Width, MemoryKind.Device, device, pitch, Width, Height), "Copy2D H2D");
                Expect.Ok(gpu.Client.Memset2D(device + (2 * pitch) + 8, pitch, 0x7E, 1, 100, 5), "Memset2D 8");
                Expect.Ok(gpu.Client.Memset2D(device + (20 * pitch), pitch, 0x01020304, 4, 50, 3), "Memset2D 32");
                for (int row = 2; row < 7; row++)
                {
                    host.AsSpan((row * Width) + 8, 100).Fill(0x7E);
                }

                for (int row = 20; row < 23; row++)
                {
                    MemoryMarshal.Cast<byte, uint>(host.AsSpan(row * Width, 200)).Fill(0x01020304);
                }

                Expect.Ok(gpu.Client.Copy2D(MemoryKind.Device, device, pitch, MemoryKind.Host, (ulong)b, Width, Width, Height), "Copy2D D2H");
                Expect.SameBytes(host, back, "2D round trip with 2D memsets");
            }

            return $"{Width}x{Height} bytes at pitch {pitch}: 2D copies both ways and 2D memsets 8/32 exact";
        }
        finally
        {
            Expect.Ok(gpu.Client.Free(device), "Free");
        }
    }

    private string CheckErrors()
    {
        var seen = new List<string>();
        using RemoteModule module = gpu.LoadPtx(MixedKernel.LoadPtx());
        var missing = Expect.Throws<CudaException>(() => module.GetKernel("no_such_kernel"), "unknown kernel");
        Expect.Status(CudaStatus.NotFound, missing.Status, "unknown kernel");
        seen.Add($"unknown kernel: {missing.ErrorName}");

        Expect.Status(CudaStatus.OutOfMemory, gpu.Client.Allocate(1UL << 50, out _), "1 PiB allocation");
        seen.Add("1 PiB: CUDA_ERROR_OUT_OF_MEMORY");

        // An asynchronous launch that the driver rejects: the error latches and surfaces at the
        // next synchronizing call, once.
        RemoteKernel kernel = module.GetKernel(MixedKernel.Name);
        byte[] packed = new byte[MixedKernel.PackedSize];
        CudaStatus launch = gpu.Client.Launch(kernel.Handle, new Dim3(1), new Dim3(4096), 0, 0, packed);
        Expect.Status(CudaStatus.Success, launch, "asynchronous launch returns at once");
        CudaStatus latched = gpu.Client.Synchronize();
        Expect.Status(CudaStatus.InvalidValue, latched, "latched launch error at the next synchronize");
        Expect.Status(CudaStatus.Success, gpu.Client.Synchronize(), "synchronize after the error was reported");
        seen.Add($"4096-thread launch: latched {latched}, reported once");

        // The session still works.
        using DeviceBuffer<int> check = gpu.Upload<int>([1, 2, 3]);
        Expect.Equal("1,2,3", string.Join(",", check.ToArray()), "round trip after errors");
        return string.Join("; ", seen);
    }

    private string CheckLatency()
    {
        const int Rounds = 2000;
        using DeviceBuffer<int> small = gpu.Upload<int>([42]);
        Span<int> one = stackalloc int[1];
        var copyTimes = new double[Rounds];
        for (int i = 0; i < Rounds; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            small.CopyTo(one);
            copyTimes[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }

        Expect.Equal(42, one[0], "4-byte read");

        using RemoteModule module = gpu.LoadPtx(MixedKernel.LoadPtx());
        RemoteKernel kernel = module.GetKernel(MixedKernel.Name);
        using RemoteStream stream = gpu.CreateStream(flags: 1);
        var p = default(MixedParams);
        KernelArgument[] arguments = [small, small, 0, 1f, KernelArgument.From(p), KernelArgument.From((byte)0)];
        var syncTimes = new double[Rounds];
        for (int i = 0; i < Rounds; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            kernel.Launch(new Dim3(1), new Dim3(32), 0, stream, arguments);
            stream.Synchronize();
            syncTimes[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }

        const int Launches = 50_000;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Launches; i++)
        {
            kernel.Launch(new Dim3(1), new Dim3(32), 0, stream, arguments);
        }

        stream.Synchronize();
        double rate = Launches / watch.Elapsed.TotalSeconds;
        return $"4-byte D2H p50 {Percentile(copyTimes, 50):F1} us, p99 {Percentile(copyTimes, 99):F1} us; " +
               $"launch+stream sync p50 {Percentile(syncTimes, 50):F1} us, p99 {Percentile(syncTimes, 99):F1} us; " +
               $"async launches {rate:F0}/s";
    }

    private static double Percentile(double[] values, int percent)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Min(sorted.Length - 1, sorted.Length * percent / 100)];
    }
}
