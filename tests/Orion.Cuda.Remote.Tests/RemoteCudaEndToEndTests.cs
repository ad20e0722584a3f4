using System.Runtime.InteropServices;
using Orion.Cuda.Remote.Client;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Tests;

/// <summary>Every operation end to end, client ↔ server with the emulated device, over a transport a subclass picks.</summary>
public abstract class RemoteCudaEndToEndTests : RemoteCudaTestBase
{
    // ---- session and devices ----

    [Fact]
    public void Welcome_describes_the_emulated_device_as_emulated()
    {
        var device = Assert.Single(Gpu.Devices);
        Assert.Equal("Orion emulated device", device.Name);
        Assert.True(device.IsEmulated);
        Assert.Equal(256UL * 1024 * 1024, device.TotalMemory);
        Assert.Equal((9, 0), device.ComputeCapability);
        Assert.Equal(1024, device.GetAttribute(1));
        Assert.Equal(13000, Gpu.DriverVersion);
        Assert.Contains("emulated", Gpu.Client.ServerDescription, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Memory_info_tracks_allocations()
    {
        var (freeBefore, total) = Gpu.GetMemoryInfo();
        using (var buffer = Gpu.Allocate<byte>(1 << 20))
        {
            var (freeDuring, _) = Gpu.GetMemoryInfo();
            Assert.Equal(freeBefore - (1UL << 20), freeDuring);
        }
        Assert.Equal(freeBefore, Gpu.GetMemoryInfo().Free);
        Assert.Equal(256UL * 1024 * 1024, total);
    }

    [Fact]
    public void Limits_and_stream_priority_range_round_trip()
    {
        Assert.Equal(CudaStatus.Success, Gpu.Client.SetLimit(1, 4 << 20));
        Assert.Equal(CudaStatus.Success, Gpu.Client.GetLimit(1, out var value));
        Assert.Equal(4UL << 20, value);
        Assert.Equal(CudaStatus.UnsupportedLimit, Gpu.Client.GetLimit(99, out _));
        Assert.Equal(CudaStatus.Success, Gpu.Client.GetStreamPriorityRange(out var least, out var greatest));
        Assert.True(greatest < least);
    }

    [Fact]
    public void SetDevice_rejects_a_device_the_server_does_not_offer()
    {
        Assert.Equal(CudaStatus.InvalidDevice, Gpu.Client.SetDevice(1));
        Assert.Equal(CudaStatus.Success, Gpu.Client.SetDevice(0));
    }

    // ---- memory and copies ----

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(64 * 1024)]
    [InlineData(3 * 1024 * 1024 + 17)] // many chunks and a partial last one
    public void Host_device_round_trip_preserves_every_byte(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        using var buffer = Gpu.Upload<byte>(data);
        var back = new byte[length];
        buffer.CopyTo(back);
        Assert.Equal(data, back);
    }

    [Fact]
    public void Copies_at_offsets_and_device_to_device()
    {
        using var a = Gpu.Upload<int>(Enumerable.Range(0, 1000).ToArray());
        using var b = Gpu.Allocate<int>(1000);
        b.FillBytes(0);
        b.CopyFrom(a);
        b.CopyFrom(new[] { -1, -2, -3 }, offset: 500);
        var result = b.ToArray();
        Assert.Equal(Enumerable.Range(0, 500), result[..500]);
        Assert.Equal(new[] { -1, -2, -3 }, result[500..503]);
        Assert.Equal(Enumerable.Range(503, 497), result[503..]);
        var tail = new int[10];
        b.CopyTo(tail, offset: 990);
        Assert.Equal(Enumerable.Range(990, 10), tail);
    }

    [Fact]
    public void Memsets_of_each_width_fill_exactly_their_range()
    {
        using var buffer = Gpu.Allocate<byte>(64);
        var client = Gpu.Client;
        buffer.FillBytes(0xEE);
        Assert.Equal(CudaStatus.Success, client.Memset(buffer.Address + 4, 0x11, 1, 4));
        Assert.Equal(CudaStatus.Success, client.Memset(buffer.Address + 8, 0xBEEF, 2, 2));
        Assert.Equal(CudaStatus.Success, client.Memset(buffer.Address + 16, 0xCAFEF00D, 4, 2));
        Assert.Equal(CudaStatus.Success, client.Memset(buffer.Address + 32, 0x7, 1, 4, stream: 0, async: true));
        var bytes = buffer.ToArray();
        Assert.Equal(new byte[] { 0xEE, 0xEE, 0xEE, 0xEE, 0x11, 0x11, 0x11, 0x11 }, bytes[..8]);
        Assert.Equal(new ushort[] { 0xBEEF, 0xBEEF }, MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan(8, 4)).ToArray());
        Assert.Equal(new uint[] { 0xCAFEF00D, 0xCAFEF00D }, MemoryMarshal.Cast<byte, uint>(bytes.AsSpan(16, 8)).ToArray());
        Assert.Equal(new byte[] { 7, 7, 7, 7, 0xEE }, bytes[32..37]);
    }

    [Fact]
    public void Memset_2D_touches_only_the_rows_width()
    {
        var client = Gpu.Client;
        Assert.Equal(CudaStatus.Success, client.AllocatePitch(100, 4, 4, out var address, out var pitch));
        Assert.True(pitch >= 100);
        Assert.Equal(CudaStatus.Success, client.Memset(address, 0, 1, pitch * 4));
        Assert.Equal(CudaStatus.Success, client.Memset2D(address, pitch, 0xABCD, 2, 10, 3));
        var all = new byte[pitch * 4];
        CopyOut(all, address);
        for (var row = 0; row < 4; row++)
        {
            var line = all.AsSpan(row * (int)pitch, (int)pitch);
            var expected = row < 3 ? 0xABCD : 0;
            Assert.All(MemoryMarshal.Cast<byte, ushort>(line[..20]).ToArray(), v => Assert.Equal(expected, v));
            Assert.All(line[20..].ToArray(), v => Assert.Equal(0, v));
        }
        Assert.Equal(CudaStatus.Success, client.Free(address));
    }

    [Theory]
    [InlineData(100, 7)]
    [InlineData(70_000, 3)] // rows wider than a 64 KiB chunk: split into column bands
    [InlineData(1000, 300)] // many rows per chunk and a partial last group
    public unsafe void Copy_2D_host_to_pitched_device_and_back(int width, int height)
    {
        var client = Gpu.Client;
        Assert.Equal(CudaStatus.Success, client.AllocatePitch((ulong)width, (ulong)height, 4, out var device, out var pitch));
        var hostPitch = width + 13;
        var source = new byte[hostPitch * height];
        new Random(width).NextBytes(source);
        var back = new byte[(width + 5) * height];
        fixed (byte* from = source)
        fixed (byte* to = back)
        {
            Assert.Equal(CudaStatus.Success, client.Copy2D(MemoryKind.Host, (ulong)from, (ulong)hostPitch, MemoryKind.Device, device, pitch, (ulong)width, (ulong)height));
            Assert.Equal(CudaStatus.Success, client.Copy2D(MemoryKind.Device, device, pitch, MemoryKind.Host, (ulong)to, (ulong)(width + 5), (ulong)width, (ulong)height));
        }
        for (var row = 0; row < height; row++)
        {
            Assert.True(source.AsSpan(row * hostPitch, width).SequenceEqual(back.AsSpan(row * (width + 5), width)), $"row {row} differs");
        }
        // Device to device, pitched to packed.
        Assert.Equal(CudaStatus.Success, client.Allocate((ulong)(width * height), out var packed));
        Assert.Equal(CudaStatus.Success, client.Copy2D(MemoryKind.Device, device, pitch, MemoryKind.Device, packed, (ulong)width, (ulong)width, (ulong)height, stream: 0, async: true));
        var flat = new byte[width * height];
        CopyOut(flat, packed);
        for (var row = 0; row < height; row++)
        {
            Assert.True(source.AsSpan(row * hostPitch, width).SequenceEqual(flat.AsSpan(row * width, width)), $"row {row} differs after D2D");
        }
        client.Free(device);
        client.Free(packed);
    }

    [Fact]
    public unsafe void Async_copies_on_a_stream_land_by_the_stream_synchronize()
    {
        using var stream = Gpu.CreateStream();
        using var buffer = Gpu.Allocate<int>(300_000);
        var data = Enumerable.Range(7, 300_000).ToArray();
        buffer.CopyFromAsync(data, stream);
        var result = new int[300_000];
        fixed (int* destination = result)
        {
            Assert.Equal(CudaStatus.Success, Gpu.Client.CopyDeviceToHostAsync((nint)destination, buffer.Address, buffer.SizeInBytes, stream.Handle));
            stream.Synchronize();
        }
        Assert.Equal(data, result);
    }

    [Fact]
    public async Task Queries_report_not_ready_while_a_download_ordered_before_them_is_outstanding()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var hold = module.GetKernel("hold");
        using var buffer = Gpu.Upload<int>([4, 5, 6, 7]);
        using var done = Gpu.CreateEvent();
        using var idle = Gpu.CreateEvent();
        idle.Record();
        Gpu.Synchronize();
        var gate = TestKernels.NewHold();
        using var destination = new NativeBuffer(16);
        try
        {
            hold.Launch(1, 1, gate); // the session is busy with this kernel until the gate opens
            Assert.Equal(CudaStatus.Success, Gpu.Client.CopyDeviceToHostAsync(destination.Address, buffer.Address, buffer.SizeInBytes, 0));
            Assert.Equal(CudaStatus.Success, Gpu.Client.RecordEvent(done.Handle, 0));
            // Asked of the busy session, these would wait for the kernel, then for the copy, and answer "complete":
            // a host thread polling them could never overlap its own work with the GPU's.
            var eventQuery = Task.Run(() => Gpu.Client.QueryEvent(done.Handle));
            var streamQuery = Task.Run(() => Gpu.Client.QueryStream(0));
            var both = Task.WhenAll(eventQuery, streamQuery);
            Assert.True(both == await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(20))), "a query waited for the busy session");
            Assert.Equal(CudaStatus.NotReady, await eventQuery);
            Assert.Equal(CudaStatus.NotReady, await streamQuery);
            Assert.Equal(new int[4], destination.ToArray<int>()); // nothing landed yet
        }
        finally
        {
            TestKernels.OpenHold(gate);
        }
        // Once the copy has landed the event completes, and its data is in place when the query says so.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        CudaStatus status;
        while ((status = Gpu.Client.QueryEvent(done.Handle)) == CudaStatus.NotReady && DateTime.UtcNow < deadline)
        {
            await Task.Yield();
        }
        Assert.Equal(CudaStatus.Success, status);
        Assert.Equal(new[] { 4, 5, 6, 7 }, destination.ToArray<int>());
        Assert.Equal(CudaStatus.Success, Gpu.Client.QueryStream(0));
        Assert.Equal(CudaStatus.Success, Gpu.Client.QueryEvent(idle.Handle));
    }

    /// <summary>Unmanaged host memory for a download that lands while the test awaits.</summary>
    private sealed unsafe class NativeBuffer(int bytes) : IDisposable
    {
        private readonly void* _memory = System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)bytes);

        public nint Address => (nint)_memory;

        public T[] ToArray<T>() where T : unmanaged => new ReadOnlySpan<T>(_memory, bytes / sizeof(T)).ToArray();

        public void Dispose() => System.Runtime.InteropServices.NativeMemory.Free(_memory);
    }

    [Fact]
    public void Stream_ordered_allocation_and_free()
    {
        using var stream = Gpu.CreateStream();
        Assert.Equal(CudaStatus.Success, Gpu.Client.AllocateAsync(4096, stream.Handle, out var address));
        Assert.NotEqual(0UL, address);
        Assert.Equal(CudaStatus.Success, Gpu.Client.GetAddressRange(address + 100, out var start, out var bytes, out var device));
        Assert.Equal((address, 4096UL, 0), (start, bytes, device));
        Assert.Equal(CudaStatus.Success, Gpu.Client.FreeAsync(address, stream.Handle));
        stream.Synchronize();
        Assert.Equal(CudaStatus.NotFound, Gpu.Client.GetAddressRange(address, out _, out _, out _));
    }

    [Fact]
    public async Task Peer_copy_between_two_devices_of_one_server()
    {
        var (server, _) = await StartServerAsync(deviceCount: 2);
        var client = await ConnectAsync(server);
        Assert.Equal(2, client.Devices.Count);
        Assert.Equal(CudaStatus.Success, client.CanAccessPeer(0, 1, out var canAccess));
        Assert.True(canAccess);
        var gpu = new RemoteGpu(client);
        using var source = gpu.Upload<long>([1, 2, 3, 4]);
        gpu.SetDevice(1);
        using var destination = gpu.Allocate<long>(4);
        Assert.Equal(CudaStatus.Success, client.CopyPeer(destination.Address, 1, source.Address, 0, 32));
        Assert.Equal(new long[] { 1, 2, 3, 4 }, destination.ToArray());
        Assert.Equal(2, Assert.Single(server.Sessions).Contexts);
        gpu.SetDevice(0);
    }

    // ---- modules and launches ----

    [Fact]
    public void Vector_add_runs_remotely_with_the_parameter_layout_the_server_reported()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        Assert.Equal(new KernelParameterInfo[] { new(0, 8), new(8, 8), new(16, 8), new(24, 4) }, kernel.Parameters);
        const int N = 10_000;
        var a = Enumerable.Range(0, N).Select(i => i * 0.5f).ToArray();
        var b = Enumerable.Range(0, N).Select(i => 1000f - i).ToArray();
        using var da = Gpu.Upload<float>(a);
        using var db = Gpu.Upload<float>(b);
        using var dc = Gpu.Allocate<float>(N);
        kernel.Launch((N + 255) / 256, 256, da, db, dc, N);
        var c = dc.ToArray();
        Assert.Equal(a.Zip(b, (x, y) => x + y), c);
    }

    [Fact]
    public void Kernel_with_mixed_parameter_types_including_a_struct_by_value()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("mixed");
        using var output = Gpu.Allocate<double>(1);
        var s = new MixedStruct { A = 100, B = 0.25f, C = 2000.5 };
        kernel.Launch(1, 1, output, 3, 1.5f, KernelArgument.From(s), 0.125, KernelArgument.From((byte)7));
        Assert.Equal(3 + 1.5 + 100 + 0.25 + 2000.5 + 0.125 + 7, output.ToArray()[0]);
    }

    [Fact]
    public unsafe void Launch_with_void_pointer_arguments_packs_by_layout()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("mixed");
        using var output = Gpu.Allocate<double>(1);
        var pointer = output.Address;
        var i = 5;
        var f = 2.5f;
        var s = new MixedStruct { A = 1, B = 2, C = 3 };
        var d = 4.0;
        byte tag = 1;
        void** arguments = stackalloc void*[] { &pointer, &i, &f, &s, &d, &tag };
        Assert.Equal(CudaStatus.Success, Gpu.Client.Launch(kernel.Handle, 1, 1, 0, 0, arguments));
        Assert.Equal(5 + 2.5 + 1 + 2 + 3 + 4 + 1, output.ToArray()[0]);
    }

    [Fact]
    public void Typed_launch_rejects_arguments_that_do_not_match_the_layout()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        using var buffer = Gpu.Allocate<float>(4);
        var wrongSize = Assert.Throws<ArgumentException>(() => kernel.Launch(1, 4, buffer, buffer, buffer, 4L));
        Assert.Contains("Parameter 3", wrongSize.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => kernel.Launch(1, 4, buffer, buffer));
    }

    [Fact]
    public void Module_globals_can_be_written_and_read()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var (address, bytes) = module.GetGlobal(TestKernels.CounterGlobal);
        Assert.Equal(16UL, bytes);
        var value = new long[] { 42, -42 };
        Assert.Equal(CudaStatus.Success, CopyIn(value, address));
        var back = new long[2];
        CopyOut(back, address);
        Assert.Equal(value, back);
        // The global's range is addressable, one byte past it is not.
        Assert.Equal(CudaStatus.InvalidValue, Gpu.Client.Memset(address, 0, 1, bytes + 1));
    }

    [Fact]
    public void Function_attributes_cache_config_and_occupancy()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        Assert.Equal(1024, kernel.GetAttribute(0));
        Assert.Equal(CudaStatus.Success, Gpu.Client.SetFunctionAttribute(kernel.Handle, 8, 64 * 1024));
        Assert.Equal(64 * 1024, kernel.GetAttribute(8));
        Assert.Equal(CudaStatus.Success, Gpu.Client.SetFunctionCacheConfig(kernel.Handle, 1));
        Assert.Equal(8, kernel.MaxActiveBlocksPerMultiprocessor(256));
        Assert.Equal(CudaStatus.InvalidValue, Gpu.Client.GetMaxActiveBlocksPerMultiprocessor(kernel.Handle, 4096, 0, 0, out _));
    }

    [Fact]
    public void Unloading_a_module_invalidates_its_functions()
    {
        var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("empty");
        module.Dispose();
        kernel.Launch(1, 1);
        var error = Assert.Throws<CudaException>(Gpu.Synchronize);
        Assert.Equal(CudaStatus.InvalidHandle, error.Status);
    }

    // ---- streams, events, host functions ----

    [Fact]
    public void Streams_and_events_order_and_time_work()
    {
        using var first = Gpu.CreateStream(flags: 1, priority: -1);
        using var second = Gpu.CreateStream();
        using var start = Gpu.CreateEvent();
        using var done = Gpu.CreateEvent();
        using var buffer = Gpu.Allocate<int>(1024);
        start.Record(first);
        buffer.Fill32(5, first);
        done.Record(first);
        second.Wait(done);
        buffer.Fill32(9, second);
        second.Synchronize();
        Assert.True(done.IsComplete);
        Assert.True(first.IsIdle);
        done.Synchronize();
        Assert.True(done.ElapsedSince(start) >= 0);
        Assert.All(buffer.ToArray(), v => Assert.Equal(9, v));
    }

    [Fact]
    public void Elapsed_time_of_an_event_without_timing_is_an_error()
    {
        using var start = Gpu.CreateEvent(RemoteEvent.DisableTiming);
        using var end = Gpu.CreateEvent(RemoteEvent.DisableTiming);
        start.Record();
        end.Record();
        var error = Assert.Throws<CudaException>(() => end.ElapsedSince(start));
        Assert.Equal(CudaStatus.InvalidHandle, error.Status);
    }

    [Fact]
    public void Host_function_runs_before_the_stream_synchronize_returns()
    {
        using var stream = Gpu.CreateStream();
        var order = new List<string>();
        stream.LaunchHostFunction(() => { lock (order) { order.Add("callback"); } });
        stream.Synchronize();
        lock (order)
        {
            order.Add("synchronized");
            Assert.Equal(["callback", "synchronized"], order);
        }
    }

    [Fact]
    public async Task Host_function_fires_without_any_synchronizing_call()
    {
        var reached = new TaskCompletionSource<nint>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchHostFunction(0, data => reached.TrySetResult(data), 1234));
        Assert.Equal(1234, await reached.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    // ---- errors ----

    [Fact]
    public void Errors_travel_with_their_CUDA_codes()
    {
        var client = Gpu.Client;
        Assert.Equal(CudaStatus.InvalidValue, client.Free(0xDEAD_0000));
        Assert.Equal(CudaStatus.OutOfMemory, client.Allocate(1UL << 40, out _));
        // Sizes past any transfer limit are still the device's to refuse, as natively (cudaMalloc of 1 PiB is out of memory).
        Assert.Equal(CudaStatus.OutOfMemory, client.Allocate(1UL << 50, out _));
        Assert.Equal(CudaStatus.OutOfMemory, client.AllocatePitch(1UL << 45, 1UL << 10, 4, out _, out _));
        Assert.Equal(CudaStatus.InvalidValue, client.Allocate(0, out _));
        Assert.Equal(CudaStatus.InvalidHandle, client.SynchronizeStream(999_999));
        Assert.Equal(CudaStatus.InvalidHandle, client.QueryEvent(999_999));
        Assert.Equal(CudaStatus.InvalidHandle, client.GetFunction(999_999, "vectorAdd", out _));
        Assert.Equal(CudaStatus.InvalidImage, client.LoadModule(ReadOnlySpan<byte>.Empty, out _));
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var missing = Assert.Throws<CudaException>(() => module.GetKernel("noSuchKernel"));
        Assert.Equal(CudaStatus.NotFound, missing.Status);
        Assert.Equal("CUDA_ERROR_NOT_FOUND", missing.ErrorName);
        using var buffer = Gpu.Allocate<byte>(100);
        var outside = new byte[101];
        var error = Assert.Throws<CudaException>(() => ThrowCopy(outside, buffer.Address));
        Assert.Equal(CudaStatus.InvalidValue, error.Status);
        // The session is still healthy afterwards.
        Gpu.Synchronize();
    }

    [Fact]
    public void Absurd_pitches_and_sizes_are_invalid_values_not_faults()
    {
        using var buffer = Gpu.Allocate<byte>(4096);
        var client = Gpu.Client;
        Assert.Equal(CudaStatus.InvalidValue, client.Memset2D(buffer.Address, ulong.MaxValue, 0, 1, 16, 1UL << 30));
        Assert.Equal(CudaStatus.InvalidValue, client.Copy2D(MemoryKind.Device, buffer.Address, ulong.MaxValue / 2, MemoryKind.Device, buffer.Address, 16, 16, 1000));
        Assert.Equal(CudaStatus.InvalidValue, client.Memset(buffer.Address + 4000, 0, 4, 1UL << 38));
        Assert.Equal(CudaStatus.InvalidValue, client.CopyDeviceToDevice(buffer.Address, ulong.MaxValue - 8, 16));
        Gpu.Synchronize();
        Assert.Single(Server.Sessions);
    }

    private int ThrowCopy(byte[] data, ulong address)
    {
        CudaException.ThrowIfFailed(CopyIn(data, address), "copy");
        return 0;
    }

    [Fact]
    public void An_asynchronous_error_latches_until_the_next_synchronizing_call_only()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("empty");
        kernel.Launch(1, 2048); // too many threads per block: fails on the server, reported later
        Assert.Equal(CudaStatus.InvalidValue, Gpu.Client.Synchronize());
        Assert.Equal(CudaStatus.Success, Gpu.Client.Synchronize()); // reported once, not sticky
    }

    [Fact]
    public void An_illegal_address_in_a_kernel_is_sticky_as_on_a_GPU()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("fault");
        using var buffer = Gpu.Allocate<int>(1);
        kernel.Launch(1, 1, buffer);
        var error = Assert.Throws<CudaException>(Gpu.Synchronize);
        Assert.Equal(CudaStatus.IllegalAddress, error.Status);
        Assert.Equal("CUDA_ERROR_ILLEGAL_ADDRESS", error.ErrorName);
        Assert.Equal(CudaStatus.IllegalAddress, Gpu.Client.Allocate(16, out _));
        // A device reset gives the session a fresh context.
        Assert.Equal(CudaStatus.Success, Gpu.Client.DeviceReset());
        using var fresh = Gpu.Upload<int>([1, 2, 3]);
        Assert.Equal(new[] { 1, 2, 3 }, fresh.ToArray());
    }

    // ---- many threads ----

    [Fact]
    public async Task Many_threads_share_one_session_correctly()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var round = 0; round < 20; round++)
            {
                var n = 100 + worker + round;
                var a = Enumerable.Range(0, n).Select(i => (float)(i + worker)).ToArray();
                using var da = Gpu.Upload<float>(a);
                using var dc = Gpu.Allocate<float>(n);
                kernel.Launch(1, 1024, da, da, dc, n);
                Assert.Equal(a.Select(x => x * 2), dc.ToArray());
            }
        })).ToArray();
        await Task.WhenAll(workers);
    }

    // ---- cleanup ----

    [Fact]
    public async Task Everything_a_session_created_is_freed_when_the_client_disconnects()
    {
        var (server, backend) = await StartServerAsync();
        var client = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
        var gpu = new RemoteGpu(client);
        var buffer = gpu.Allocate<byte>(1 << 20);
        var stream = gpu.CreateStream();
        var gpuEvent = gpu.CreateEvent();
        var module = gpu.LoadModule(TestKernels.ModuleImage);
        module.GetKernel("vectorAdd");
        gpuEvent.Record(stream);
        gpu.Synchronize();
        var snapshot = Assert.Single(server.Sessions);
        Assert.Equal((1, 1UL << 20, 1, 1, 1, 1, 1), (snapshot.Allocations, snapshot.AllocatedBytes, snapshot.Streams, snapshot.Events, snapshot.Modules, snapshot.Functions, snapshot.Contexts));
        Assert.Equal(1, backend.LiveContextCount);
        Assert.NotEqual(0UL, backend.UsedBytes(0));

        await client.DisposeAsync(); // nothing freed explicitly
        await WaitUntilAsync(() => server.Sessions.Count == 0, "the session ended");
        Assert.Equal(0, backend.LiveContextCount);
        Assert.Equal(0UL, backend.UsedBytes(0));
    }

    [Fact]
    public async Task An_aborted_connection_is_cleaned_up_too()
    {
        var (server, backend) = await StartServerAsync();
        var connection = await Transports.ConnectAsync(server.Endpoints[0]);
        var client = await RemoteCudaClient.ConnectAsync(connection);
        Assert.Equal(CudaStatus.Success, client.Allocate(4096, out _));
        connection.Abort("simulated crash");
        await WaitUntilAsync(() => server.Sessions.Count == 0, "the session ended");
        Assert.Equal(0, backend.LiveContextCount);
        Assert.Equal(0UL, backend.UsedBytes(0));
        Assert.Equal(RemoteCudaClient.ConnectionLost, client.Synchronize());
        Assert.False(client.IsConnected);
        await client.DisposeAsync();
    }

    // ---- handshake ----

    [Fact]
    public async Task A_wrong_auth_token_is_refused_and_the_right_one_accepted()
    {
        var (server, _) = await StartServerAsync(options => options.AuthToken = "s3cret");
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(
            () => ConnectAsync(server, new RemoteCudaClientOptions { AuthToken = "guess" }));
        Assert.Equal(HandshakeStatus.AuthenticationFailed, refused.Status);
        Assert.Contains("auth", refused.Message, StringComparison.OrdinalIgnoreCase);
        var accepted = await ConnectAsync(server, new RemoteCudaClientOptions { AuthToken = "s3cret" });
        Assert.Equal(CudaStatus.Success, accepted.Synchronize());
    }

    [Fact]
    public async Task A_protocol_version_mismatch_is_refused_clearly()
    {
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(
            () => ConnectAsync(Server, new RemoteCudaClientOptions { ProtocolVersion = 99 }));
        Assert.Equal(HandshakeStatus.VersionMismatch, refused.Status);
        Assert.Contains("version 99", refused.Message, StringComparison.Ordinal);
        Gpu.Synchronize(); // the server keeps serving
    }

    [Fact]
    public async Task A_server_listens_on_several_endpoints()
    {
        var (server, _) = await StartServerAsync(endpointCount: 2);
        Assert.Equal(2, server.Endpoints.Count);
        var first = await ConnectAsync(server, endpoint: 0);
        var second = await ConnectAsync(server, endpoint: 1);
        Assert.Equal(CudaStatus.Success, first.Synchronize());
        Assert.Equal(CudaStatus.Success, second.Synchronize());
        Assert.NotEqual(first.SessionId, second.SessionId);
        Assert.Equal(2, server.Sessions.Count);
    }

    // ---- helpers ----

    private unsafe CudaStatus CopyIn<T>(T[] values, ulong address) where T : unmanaged
    {
        fixed (T* pointer = values)
        {
            return Gpu.Client.CopyHostToDevice(address, (nint)pointer, (ulong)(values.Length * sizeof(T)));
        }
    }

    private unsafe void CopyOut<T>(T[] values, ulong address) where T : unmanaged
    {
        fixed (T* pointer = values)
        {
            Assert.Equal(CudaStatus.Success, Gpu.Client.CopyDeviceToHost((nint)pointer, address, (ulong)(values.Length * sizeof(T))));
        }
    }
}
