using System.Runtime.InteropServices;
using System.Text;
using Orion.Gpu.Tests;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Cuda;

namespace Orion.Gpu.Smoke;

/// <summary>
/// The same ground as <see cref="DriverChecks"/>, but through the server's backend interface
/// (<see cref="IGpuBackend"/>/<see cref="IGpuContext"/>) as a session uses it, one executor thread
/// per context.
/// </summary>
internal sealed class BackendChecks(CheckRunner runner, string? fatbinPath)
{
    private IGpuBackend? _backend;

    public void RunAll()
    {
        if (!runner.Run("backend: create", Create))
        {
            return;
        }

        runner.Run("backend: device info", DeviceInfo);
        runner.Run("backend: NVML device status", DeviceStatusCheck);
        runner.Run("backend: session on its own thread", () => OnThread(SessionWorkload));
        runner.Run("backend: 4 concurrent sessions", ConcurrentSessions);
        runner.Run("backend: fatbin validator accepts nvcc output", ValidateFatbin);
    }

    private string Create()
    {
        Expect.True(GpuBackendProvider.TryCreateCudaDriver(out _backend, out string reason), "TryCreateCudaDriver: " + reason);
        Expect.True(!_backend!.IsEmulated, "CUDA backend claims to be emulated");
        Expect.Status(CudaStatus.Success, _backend.GetDriverVersion(out int version), "GetDriverVersion");
        Expect.Status(CudaStatus.Success, _backend.GetDeviceCount(out int count), "GetDeviceCount");
        Expect.Status(CudaStatus.InvalidDevice, _backend.GetDeviceInfo(count, out _), "GetDeviceInfo(count)");
        Expect.Status(CudaStatus.InvalidDevice, _backend.CreateContext(-1, out _), "CreateContext(-1)");
        return $"{_backend.Description}; version {version}";
    }

    private string DeviceInfo()
    {
        Expect.Status(CudaStatus.Success, _backend!.GetDeviceInfo(0, out GpuDeviceInfo? info), "GetDeviceInfo");
        Expect.True(info!.Name.Contains("H100", StringComparison.Ordinal) || info.Name.Length > 0, "empty name");
        Expect.Equal(9, info.GetAttribute(75), "compute capability major");
        Expect.True(info.GetAttribute(16) > 0 && info.TotalMemory > (1UL << 30), "SM count / memory");
        Expect.True(info.Uuid != Guid.Empty, "empty UUID");
        Expect.Status(CudaStatus.Success, _backend.CanAccessPeer(0, 0, out bool self), "CanAccessPeer");
        return $"'{info.Name}', {info.Attributes.Count - 1} attributes, bus {info.PciBusId}, uuid {info.Uuid}, self-peer {self}";
    }

    /// <summary>The NVML replacement's record from the host's NVML and driver: identity as the driver gives it, sensors NVML answers.</summary>
    private string DeviceStatusCheck()
    {
        Expect.Status(CudaStatus.Success, _backend!.GetDeviceInfo(0, out GpuDeviceInfo? info), "GetDeviceInfo");
        Expect.Status(CudaStatus.Success, _backend.QueryDeviceStatus(0, out DeviceStatus status), "QueryDeviceStatus");
        Expect.Status(CudaStatus.InvalidDevice, _backend.QueryDeviceStatus(-1, out _), "QueryDeviceStatus(-1)");
        Expect.True(status.Name == info!.Name, $"name '{status.Name}' is not the driver's '{info.Name}'");
        Expect.True(status.Uuid.Span.SequenceEqual(info.Uuid.ToByteArray()), "UUID bytes are not the driver's");
        Expect.True(status[DeviceReading.MemoryTotal].Value >= info.TotalMemory, "memory total below the driver's");
        Expect.Equal(0, status[DeviceReading.Temperature].Status, "temperature (is NVML loaded?)");
        Expect.Equal(0, status[DeviceReading.PciDeviceId].Status, "PCI device id");
        Expect.Equal(0, status[DeviceReading.DriverVersion].Status, "driver version");
        Expect.True((status[DeviceReading.PciDeviceId].Value & 0xffff) == 0x10de, "PCI vendor is not NVIDIA");
        var unsupported = Enum.GetValues<DeviceReading>().Where(r => status[r].Status != 0).Select(r => $"{r}={status[r].Status}");
        return $"driver {status.DriverVersion}, NVML {status.NvmlVersion}, serial '{status.Serial}', " +
               $"{status[DeviceReading.Temperature].Value} C, {status[DeviceReading.PowerUsage].Value} mW, " +
               $"not answered: {string.Join(' ', unsupported)}";
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

    private string ConcurrentSessions()
    {
        var results = new string[4];
        var failures = new Exception?[4];
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() =>
        {
            try
            {
                results[i] = SessionWorkload();
            }
#pragma warning disable CA1031 // collected and reported below
            catch (Exception e)
#pragma warning restore CA1031
            {
                failures[i] = e;
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Exception? first = failures.FirstOrDefault(f => f is not null);
        if (first is not null)
        {
            throw new InvalidOperationException(first.Message, first);
        }

        return "4 contexts on 4 threads, each workload correct";
    }

    /// <summary>What one session does: memory, 2D, PTX and fatbin kernels, streams, events, host function.</summary>
    private unsafe string SessionWorkload()
    {
        Expect.Status(CudaStatus.Success, _backend!.CreateContext(0, out IGpuContext? context), "CreateContext");
        using (context)
        {
            IGpuContext c = context!;
            var notes = new List<string>();
            Expect.Status(CudaStatus.Success, c.GetMemoryInfo(out ulong free, out ulong total), "GetMemoryInfo");
            Expect.True(free > 0 && free <= total, "memory info");
            Expect.Status(CudaStatus.Success, c.GetLimit(ContextLimit.StackSize, out ulong stack), "GetLimit");
            Expect.Status(CudaStatus.Success, c.SetLimit(ContextLimit.MallocHeapSize, 16 << 20), "SetLimit");
            Expect.Status(CudaStatus.Success, c.GetStreamPriorityRange(out int least, out int greatest), "GetStreamPriorityRange");
            Expect.Status(CudaStatus.Success, c.CreateStream(1, greatest, out GpuStreamHandle stream), "CreateStream");
            Expect.Status(CudaStatus.Success, c.CreateEvent(0, out GpuEventHandle start), "CreateEvent");
            Expect.Status(CudaStatus.Success, c.CreateEvent(0, out GpuEventHandle stop), "CreateEvent");

            // PTX without a trailing NUL: the backend must terminate it.
            byte[] ptx = Encoding.ASCII.GetBytes(MixedKernel.LoadPtx());
            Expect.True(ptx[^1] != 0, "test PTX already ends in NUL");
            Expect.Status(CudaStatus.Success, c.LoadModule(ptx, out GpuModuleHandle ptxModule), "LoadModule(PTX)");
            notes.Add(RunKernel(c, ptxModule, stream, start, stop));
            if (fatbinPath is not null)
            {
                Expect.Status(CudaStatus.Success, c.LoadModule(File.ReadAllBytes(fatbinPath), out GpuModuleHandle fatbinModule), "LoadModule(fatbin)");
                notes.Add(RunKernel(c, fatbinModule, stream, start, stop));
                Expect.Status(CudaStatus.Success, c.UnloadModule(fatbinModule), "UnloadModule");
            }

            // Errors travel as codes.
            Expect.Status(CudaStatus.NotFound, c.GetFunction(ptxModule, "missing", out _, out _), "GetFunction(missing)");
            Expect.Status(CudaStatus.InvalidImage, c.LoadModule([0x50, 0xED, 0x55, 0xBA, 1, 0, 16, 0, 255, 255, 255, 255, 0, 0, 0, 0], out _), "LoadModule(truncated fatbin)");
            Expect.Status(CudaStatus.Success, c.GetFunction(ptxModule, MixedKernel.Name, out GpuFunctionHandle f, out _), "GetFunction");
            Expect.Status(CudaStatus.InvalidValue, c.Launch(f, new LaunchConfiguration(1, 1, 0), stream, new byte[8]), "Launch with short parameters");
            Expect.Status(CudaStatus.Success, c.UnloadModule(ptxModule), "UnloadModule");
            Expect.Status(CudaStatus.InvalidHandle, c.Launch(f, new LaunchConfiguration(1, 1, 0), stream, new byte[48]), "Launch after unload");

            // Memory: pinned staging, async copies, memsets, 2D, D2D.
            const int Bytes = 8 << 20;
            Expect.Status(CudaStatus.Success, c.AllocateHost(Bytes, out nint pinned), "AllocateHost");
            Expect.Status(CudaStatus.Success, c.Allocate(Bytes, out ulong a), "Allocate");
            Expect.Status(CudaStatus.Success, c.AllocateAsync(Bytes, stream, out ulong b), "AllocateAsync");
            var host = new Span<byte>((void*)pinned, Bytes);
            Random.Shared.NextBytes(host);
            byte[] expected = host.ToArray();
            Expect.Status(CudaStatus.Success, c.CopyHostToDeviceAsync(a, pinned, Bytes, stream), "CopyHostToDeviceAsync");
            Expect.Status(CudaStatus.Success, c.CopyDeviceToDeviceAsync(b, a, Bytes, stream), "CopyDeviceToDeviceAsync");
            Expect.Status(CudaStatus.Success, c.MemsetAsync(b, 0x0102, MemsetElementSize.Bits16, 10, stream), "MemsetAsync16");
            Expect.Status(CudaStatus.Success, c.Memset2DAsync(b + 4096, 1024, 0xAB, MemsetElementSize.Bits8, 7, 3, stream), "Memset2DAsync8");
            Expect.Status(CudaStatus.Success, c.CopyDeviceToHostAsync(pinned, b, Bytes, stream), "CopyDeviceToHostAsync");
            int reached = 0;
            Expect.Status(CudaStatus.Success, c.LaunchHostFunction(stream, marker => Interlocked.Exchange(ref reached, (int)marker), 77), "LaunchHostFunction");
            Expect.Status(CudaStatus.Success, c.FreeAsync(b, stream), "FreeAsync");
            Expect.Status(CudaStatus.Success, c.SynchronizeStream(stream), "SynchronizeStream");
            Expect.Equal(77, Volatile.Read(ref reached), "host function marker");
            MemoryMarshal.Cast<byte, ushort>(expected.AsSpan(0, 20)).Fill(0x0102);
            for (int row = 0; row < 3; row++)
            {
                expected.AsSpan(4096 + (row * 1024), 7).Fill(0xAB);
            }

            Expect.SameBytes(expected, host, "async pipeline through the backend");
            Expect.Status(CudaStatus.Success, c.GetAddressRange(a + 100, out ulong baseAddress, out ulong size), "GetAddressRange");
            Expect.True(baseAddress == a && size >= Bytes, "address range");

            Expect.Status(CudaStatus.Success, c.AllocatePitch(300, 5, 4, out ulong pitched, out ulong pitch), "AllocatePitch");
            Expect.Status(CudaStatus.Success, c.Memset2D(pitched, pitch, 0xDEADBEEF, MemsetElementSize.Bits32, 75, 5), "Memset2D32");
            var down = new MemoryCopy2D(MemoryLocation.Device, pitched, pitch, MemoryLocation.Host, (ulong)pinned, 300, 300, 5);
            Expect.Status(CudaStatus.Success, c.Copy2D(down), "Copy2D");
            Expect.True(MemoryMarshal.Cast<byte, uint>(host[..1500]).IndexOfAnyExcept(0xDEADBEEFu) < 0, "2D memset/copy contents");
            var bad = down with { SourceLocation = (MemoryLocation)7 };
            Expect.Status(CudaStatus.InvalidValue, c.Copy2D(bad), "Copy2D with a bad location");
            Expect.Status(CudaStatus.Success, c.Memset(a, 7, MemsetElementSize.Bits8, Bytes), "Memset8");
            Expect.Status(CudaStatus.Success, c.CopyDeviceToHost(pinned, a, 16), "CopyDeviceToHost");
            Expect.True(host[..16].IndexOfAnyExcept((byte)7) < 0, "memset 8");
            Expect.Status(CudaStatus.Success, c.Free(pitched), "Free");
            Expect.Status(CudaStatus.Success, c.Free(a), "Free");
            Expect.Status(CudaStatus.InvalidValue, c.FreeHost(pinned + 1), "FreeHost(foreign pointer)");
            Expect.Status(CudaStatus.Success, c.FreeHost(pinned), "FreeHost");
            // Handles this context never gave out are refused before the driver sees them.
            var bogusStream = new GpuStreamHandle(0x5EED0);
            var bogusEvent = new GpuEventHandle(0x5EED0);
            Expect.Status(CudaStatus.InvalidHandle, c.SynchronizeStream(bogusStream), "SynchronizeStream(bogus)");
            Expect.Status(CudaStatus.InvalidHandle, c.MemsetAsync(0, 0, MemsetElementSize.Bits8, 1, bogusStream), "MemsetAsync(bogus stream)");
            Expect.Status(CudaStatus.InvalidHandle, c.RecordEvent(bogusEvent, stream, 0), "RecordEvent(bogus event)");
            Expect.Status(CudaStatus.InvalidHandle, c.StreamWaitEvent(stream, bogusEvent, 0), "StreamWaitEvent(bogus event)");
            Expect.Status(CudaStatus.InvalidHandle, c.GetFunction(new GpuModuleHandle(0x5EED0), "x", out _, out _), "GetFunction(bogus module)");
            Expect.Status(CudaStatus.InvalidHandle, c.UnloadModule(ptxModule), "UnloadModule twice");
            Expect.Status(CudaStatus.InvalidHandle, c.GetFunctionAttribute(new GpuFunctionHandle(0x5EED0), FunctionAttributeId.NumRegisters, out _), "GetFunctionAttribute(bogus)");
            Expect.Status(CudaStatus.InvalidHandle, c.DestroyStream(GpuStreamHandle.Null), "DestroyStream(default stream)");
            Expect.Status(CudaStatus.Success, c.QueryStream(GpuStreamHandle.Null), "QueryStream(default stream)");

            Expect.Status(CudaStatus.Success, c.DestroyEvent(start), "DestroyEvent");
            Expect.Status(CudaStatus.InvalidHandle, c.DestroyEvent(start), "DestroyEvent twice");
            Expect.Status(CudaStatus.Success, c.DestroyEvent(stop), "DestroyEvent");
            Expect.Status(CudaStatus.Success, c.DestroyStream(stream), "DestroyStream");
            Expect.Status(CudaStatus.InvalidHandle, c.DestroyStream(stream), "DestroyStream twice");
            Expect.Status(CudaStatus.Success, c.Synchronize(), "Synchronize");
            notes.Add($"stack limit {stack}, priorities [{least},{greatest}]");
            return string.Join("; ", notes);
        }
    }

    /// <summary>Launches orion_mixed through the backend with packed parameters, timed by events.</summary>
    private static string RunKernel(IGpuContext c, GpuModuleHandle module, GpuStreamHandle stream, GpuEventHandle start, GpuEventHandle stop)
    {
        Expect.Status(CudaStatus.Success, c.GetFunction(module, MixedKernel.Name, out GpuFunctionHandle function, out KernelParameterInfo[] layout), "GetFunction");
        Expect.Equal(
            string.Join(" ", MixedKernel.ExpectedLayout.Select(p => $"{p.Offset}/{p.Size}")),
            string.Join(" ", layout.Select(p => $"{p.Offset}/{p.Size}")),
            "layout");
        Expect.Status(CudaStatus.Success, c.GetFunctionAttribute(function, FunctionAttributeId.NumRegisters, out int registers), "GetFunctionAttribute");
        Expect.Status(CudaStatus.Success, c.SetFunctionAttribute(function, FunctionAttributeId.MaxDynamicSharedSizeBytes, 0), "SetFunctionAttribute");
        Expect.Status(CudaStatus.Success, c.SetFunctionCacheConfig(function, FunctionCacheConfig.PreferShared), "SetFunctionCacheConfig");
        Expect.Status(CudaStatus.Success, c.GetMaxActiveBlocksPerMultiprocessor(function, 256, 0, 0, out int blocks), "occupancy");
        Expect.Status(CudaStatus.Success, c.GetGlobal(module, MixedKernel.CounterName, out ulong counter, out ulong counterBytes), "GetGlobal");
        Expect.Equal(4UL, counterBytes, "counter size");

        int n = 100_003;
        var p = new MixedParams { Scale = -2.5f, Offset = 11, Bias = 1e-3 };
        float a = 0.3f;
        byte flag = 200;
        float[] x = new float[n];
        float[] y = new float[n];
        float[] expected = new float[n];
        var random = new Random(n);
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)(random.NextDouble() * 100 - 50);
            expected[i] = MixedKernel.Reference(x[i], a, p, flag);
        }

        Expect.Status(CudaStatus.Success, c.Allocate((ulong)n * 4, out ulong dx), "Allocate");
        Expect.Status(CudaStatus.Success, c.Allocate((ulong)n * 4, out ulong dy), "Allocate");
        unsafe
        {
            fixed (float* hx = x)
            fixed (float* hy = y)
            {
                Expect.Status(CudaStatus.Success, c.CopyHostToDevice(dx, (nint)hx, (ulong)n * 4), "CopyHostToDevice");
                byte[] packed = new byte[48]; // padded past the 41 bytes needed, as a client may send
                BitConverter.TryWriteBytes(packed.AsSpan((int)layout[0].Offset), dx);
                BitConverter.TryWriteBytes(packed.AsSpan((int)layout[1].Offset), dy);
                BitConverter.TryWriteBytes(packed.AsSpan((int)layout[2].Offset), n);
                BitConverter.TryWriteBytes(packed.AsSpan((int)layout[3].Offset), a);
                MemoryMarshal.Write(packed.AsSpan((int)layout[4].Offset), in p);
                packed[layout[5].Offset] = flag;
                Expect.Status(CudaStatus.Success, c.Memset(counter, 0, MemsetElementSize.Bits32, 1), "Memset counter");
                // The stream is non-blocking, so it does not wait for work on the legacy stream: a
                // copy from pageable memory may return before its DMA lands, and the memset is
                // asynchronous. Without this the kernel can read the inputs before they arrive
                // (seen on the H100 with four sessions at once).
                Expect.Status(CudaStatus.Success, c.Synchronize(), "Synchronize before the launch");
                Expect.Status(CudaStatus.Success, c.RecordEvent(start, stream, 0), "RecordEvent");
                var geometry = new LaunchConfiguration(new Dim3((uint)((n + 255) / 256)), new Dim3(256), 0);
                Expect.Status(CudaStatus.Success, c.Launch(function, geometry, stream, packed), "Launch");
                Expect.Status(CudaStatus.Success, c.RecordEvent(stop, stream, 0), "RecordEvent");
                Expect.Status(CudaStatus.Success, c.SynchronizeEvent(stop), "SynchronizeEvent");
                Expect.Status(CudaStatus.Success, c.QueryEvent(stop), "QueryEvent");
                Expect.Status(CudaStatus.Success, c.QueryStream(stream), "QueryStream");
                Expect.Status(CudaStatus.Success, c.GetEventElapsedTime(start, stop, out float ms), "GetEventElapsedTime");
                Expect.Status(CudaStatus.Success, c.CopyDeviceToHost((nint)hy, dy, (ulong)n * 4), "CopyDeviceToHost");
                Expect.SameBits(expected, y, "backend launch vs host");
                uint launches;
                Expect.Status(CudaStatus.Success, c.CopyDeviceToHost((nint)(&launches), counter, 4), "read counter");
                Expect.Equal(1u, launches, "launch counter");
                Expect.Status(CudaStatus.Success, c.Free(dx), "Free");
                Expect.Status(CudaStatus.Success, c.Free(dy), "Free");
                return $"{n} elements exact, {registers} regs, {blocks} blocks/SM, kernel {ms * 1000:F1} us";
            }
        }
    }

    private string ValidateFatbin()
    {
        Expect.True(fatbinPath is not null, "no fatbin path");
        byte[] image = File.ReadAllBytes(fatbinPath!);
        Expect.True(CudaModuleImage.TryClassify(image, out CudaModuleImageKind kind, out string error), "rejected: " + error);
        Expect.Equal(CudaModuleImageKind.Fatbin, kind, "kind");
        Expect.True(!CudaModuleImage.TryClassify(image.AsSpan(0, image.Length - 1), out _, out _), "accepted a truncated fatbin");
        return $"{image.Length}-byte nvcc fatbin accepted, truncated copy rejected";
    }
}
