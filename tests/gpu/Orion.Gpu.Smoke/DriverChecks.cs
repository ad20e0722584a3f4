using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Orion.Gpu.Tests;
using Orion.Server.Core.Backend.Cuda;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Gpu.Smoke;

/// <summary>
/// The smoke checks, in dependency order. Each is self-contained around one context created at
/// the start (a session's own context, as the server will make). The deliberate fault runs last.
/// </summary>
internal sealed unsafe partial class DriverChecks(CheckRunner runner, string? fatbinPath) : IDisposable
{
    private const int BlockSize = 256;
    private static int s_hostFunctionCalls;

    private CudaContextHandle? _context;
    private int _device;

    /// <summary>Runs every check; <paramref name="beforeFault"/> runs just before the deliberate fault, which poisons the process.</summary>
    public void RunAll(Action beforeFault)
    {
        runner.Run("symbols", CheckSymbols);
        if (!runner.Run("probe", CheckProbe))
        {
            return;
        }

        runner.Run("device info", CheckDeviceInfo);
        if (!runner.Run("context", CheckContext))
        {
            return;
        }

        runner.Run("memory: alloc, copies, memsets", CheckMemory);
        runner.Run("memory: pitch and 2D", Check2D);
        runner.Run("streams, events, host function", CheckStreamsAndEvents);
        runner.Run("stream-ordered alloc", CheckStreamOrderedAlloc);
        runner.Run("module: PTX", () => CheckModule(Encoding.ASCII.GetBytes(MixedKernel.LoadPtx() + "\0"), "PTX"));
        runner.Run("module: fatbin", CheckFatbin);
        runner.Run("errors", CheckErrors);
        runner.Run("256 MiB through pinned staging", CheckLargeCopies);
        beforeFault();
        runner.Run("fault isolation", CheckFaultIsolation);
    }

    public void Dispose() => _context?.Dispose();

    private static string CheckSymbols()
    {
        nint library = NativeLibrary.Load(CudaDriverApi.LibraryName);
        var missing = CudaDriverSymbols.Names.Where(name => !NativeLibrary.TryGetExport(library, name, out _)).ToList();
        Expect.True(missing.Count == 0, "missing symbols: " + string.Join(", ", missing));
        return $"all {CudaDriverSymbols.Names.Length} bound symbols resolve";
    }

    private static string CheckProbe()
    {
        bool available = CudaDriverProbe.TryInitialize(out int count, out string reason);
        Expect.True(available, "probe: " + reason);
        int version;
        Expect.Ok(CudaDriverApi.DriverGetVersion(&version), "cuDriverGetVersion");
        Expect.True(version >= 13000, $"driver version {version} < 13000");
        return $"{count} device(s), driver API version {version}";
    }

    private string CheckDeviceInfo()
    {
        int device;
        Expect.Ok(CudaDriverApi.DeviceGet(&device, 0), "cuDeviceGet");
        _device = device;
        byte* name = stackalloc byte[256];
        Expect.Ok(CudaDriverApi.DeviceGetName(name, 256, device), "cuDeviceGetName");
        CuUuid uuid;
        Expect.Ok(CudaDriverApi.DeviceGetUuid(&uuid, device), "cuDeviceGetUuid_v2");
        nuint total;
        Expect.Ok(CudaDriverApi.DeviceTotalMem(&total, device), "cuDeviceTotalMem_v2");
        int major, minor, sms;
        Expect.Ok(CudaDriverApi.DeviceGetAttribute(&major, 75, device), "cuDeviceGetAttribute(CC major)");
        Expect.Ok(CudaDriverApi.DeviceGetAttribute(&minor, 76, device), "cuDeviceGetAttribute(CC minor)");
        Expect.Ok(CudaDriverApi.DeviceGetAttribute(&sms, 16, device), "cuDeviceGetAttribute(SM count)");

        // Every attribute number 1..147 must answer success or "invalid value" (unknown to this
        // driver) — the server ships the whole table to clients for cudaDeviceProp.
        int answered = 0;
        for (int attribute = 1; attribute <= 147; attribute++)
        {
            int value;
            CudaStatus result = CudaDriverApi.DeviceGetAttribute(&value, attribute, device);
            Expect.True(result is CudaStatus.Success or CudaStatus.InvalidValue, $"attribute {attribute}: {CudaDriverErrors.Name(result)}");
            answered += result == CudaStatus.Success ? 1 : 0;
        }

        Expect.True(total > (1UL << 30), "total memory below 1 GiB");
        Expect.True(!new ReadOnlySpan<byte>(&uuid, 16).SequenceEqual(new byte[16]), "UUID is all zero");
        string deviceName = Marshal.PtrToStringUTF8((nint)name) ?? string.Empty;
        return $"'{deviceName}', sm_{major}{minor}, {sms} SMs, {total / (1024 * 1024)} MiB, " +
               $"UUID {Convert.ToHexString(new ReadOnlySpan<byte>(&uuid, 16))}, {answered}/147 attributes answered";
    }

    private string CheckContext()
    {
        // A zeroed CUctxCreateParams must behave like null: both ways are tried once here.
        nint withParams;
        var createParams = default(CuContextCreateParams);
        Expect.Ok(CudaDriverApi.CtxCreate(&withParams, &createParams, 0, _device), "cuCtxCreate_v4(zeroed params)");
        Expect.Ok(CudaDriverApi.CtxDestroy(withParams), "cuCtxDestroy_v2");

        Expect.Ok(CudaContextHandle.TryCreate(_device, 0, out _context), "cuCtxCreate_v4(null params)");
        nint current;
        Expect.Ok(CudaDriverApi.CtxGetCurrent(&current), "cuCtxGetCurrent");
        Expect.Equal(_context!.Context, current, "current context after create");
        nuint free, total;
        Expect.Ok(CudaDriverApi.MemGetInfo(&free, &total), "cuMemGetInfo_v2");
        return $"own context created and current; {free / (1024 * 1024)} of {total / (1024 * 1024)} MiB free";
    }

    private static string CheckMemory()
    {
        const int Count = 16 << 20; // 64 MiB of uint
        nuint bytes = (nuint)Count * 4;
        ulong a, b;
        Expect.Ok(CudaDriverApi.MemAlloc(&a, bytes), "cuMemAlloc_v2");
        Expect.Ok(CudaDriverApi.MemAlloc(&b, bytes), "cuMemAlloc_v2");
        try
        {
            uint[] host = new uint[Count];
            uint[] back = new uint[Count];
            Random.Shared.NextBytes(MemoryMarshal.AsBytes(host.AsSpan()));
            fixed (uint* h = host)
            fixed (uint* r = back)
            {
                Expect.Ok(CudaDriverApi.MemcpyHtoD(a, h, bytes), "cuMemcpyHtoD_v2");
                Expect.Ok(CudaDriverApi.MemcpyDtoD(b, a, bytes), "cuMemcpyDtoD_v2");
                Expect.Ok(CudaDriverApi.MemcpyDtoH(r, b, bytes), "cuMemcpyDtoH_v2");
                Expect.SameBytes(MemoryMarshal.AsBytes(host.AsSpan()), MemoryMarshal.AsBytes(back.AsSpan()), "H2D -> D2D -> D2H");

                // Memsets of each width on overlapping ranges; the host applies the same writes.
                Expect.Ok(CudaDriverApi.MemsetD32(b, 0xA5A5F00Du, (nuint)Count), "cuMemsetD32_v2");
                host.AsSpan().Fill(0xA5A5F00Du);
                Expect.Ok(CudaDriverApi.MemsetD16(b + 6, 0x1234, 1001), "cuMemsetD16_v2");
                MemoryMarshal.Cast<uint, ushort>(host.AsSpan()).Slice(3, 1001).Fill(0x1234);
                Expect.Ok(CudaDriverApi.MemsetD8(b + 4097, 0x7E, 333), "cuMemsetD8_v2");
                MemoryMarshal.AsBytes(host.AsSpan()).Slice(4097, 333).Fill(0x7E);
                Expect.Ok(CudaDriverApi.MemcpyDtoH(r, b, bytes), "cuMemcpyDtoH_v2");
                Expect.SameBytes(MemoryMarshal.AsBytes(host.AsSpan()), MemoryMarshal.AsBytes(back.AsSpan()), "memset 32/16/8");
            }

            return "64 MiB H2D/D2D/D2H identical; memset D8/D16/D32 match the host";
        }
        finally
        {
            Expect.Ok(CudaDriverApi.MemFree(a), "cuMemFree_v2");
            Expect.Ok(CudaDriverApi.MemFree(b), "cuMemFree_v2");
        }
    }

    private static string Check2D()
    {
        const int Width = 1000, Height = 37;
        ulong device;
        nuint pitch;
        Expect.Ok(CudaDriverApi.MemAllocPitch(&device, &pitch, Width, Height, 4), "cuMemAllocPitch_v2");
        try
        {
            Expect.True(pitch >= Width, $"pitch {pitch} < width");
            byte[] host = new byte[Width * Height];
            byte[] back = new byte[Width * Height];
            Random.Shared.NextBytes(host);
            fixed (byte* h = host)
            fixed (byte* r = back)
            {
                var up = new CuMemcpy2D
                {
                    SrcMemoryType = CuMemoryType.Host, SrcHost = (nint)h, SrcPitch = Width,
                    DstMemoryType = CuMemoryType.Device, DstDevice = device, DstPitch = pitch,
                    WidthInBytes = Width, Height = Height,
                };
                Expect.Ok(CudaDriverApi.Memcpy2D(&up), "cuMemcpy2D_v2 H2D");

                // A 2D memset of a sub-rectangle: columns 100..299 of rows 5..14.
                Expect.Ok(CudaDriverApi.MemsetD2D8(device + (5 * pitch) + 100, pitch, 0xEE, 200, 10), "cuMemsetD2D8_v2");
                for (int row = 5; row < 15; row++)
                {
                    host.AsSpan((row * Width) + 100, 200).Fill(0xEE);
                }

                var down = new CuMemcpy2D
                {
                    SrcMemoryType = CuMemoryType.Device, SrcDevice = device, SrcPitch = pitch,
                    DstMemoryType = CuMemoryType.Host, DstHost = (nint)r, DstPitch = Width,
                    WidthInBytes = Width, Height = Height,
                };
                Expect.Ok(CudaDriverApi.Memcpy2D(&down), "cuMemcpy2D_v2 D2H");
                Expect.SameBytes(host, back, "2D round trip with 2D memset");

                Expect.Ok(CudaDriverApi.MemsetD2D32(device, pitch, 0x01020304u, Width / 4, Height), "cuMemsetD2D32_v2");
                Expect.Ok(CudaDriverApi.MemsetD2D16(device, pitch, 0xBEEF, 10, Height), "cuMemsetD2D16_v2");
                MemoryMarshal.Cast<byte, uint>(host.AsSpan()).Fill(0x01020304u);
                for (int row = 0; row < Height; row++)
                {
                    MemoryMarshal.Cast<byte, ushort>(host.AsSpan(row * Width, 20)).Fill(0xBEEF);
                }

                Expect.Ok(CudaDriverApi.Memcpy2D(&down), "cuMemcpy2D_v2 D2H");
                Expect.SameBytes(host, back, "2D memset 32/16");
            }

            return $"{Width}x{Height} bytes, pitch {pitch}: 2D copies and 2D memsets 8/16/32 match";
        }
        finally
        {
            Expect.Ok(CudaDriverApi.MemFree(device), "cuMemFree_v2");
        }
    }

    [UnmanagedCallersOnly]
    private static void OnHostFunction(nint userData) => Interlocked.Add(ref s_hostFunctionCalls, (int)userData);

    private static string CheckStreamsAndEvents()
    {
        int least, greatest;
        Expect.Ok(CudaDriverApi.CtxGetStreamPriorityRange(&least, &greatest), "cuCtxGetStreamPriorityRange");
        nint fast, slow, start, stop, marker;
        Expect.Ok(CudaDriverApi.StreamCreateWithPriority(&fast, 1 /* non-blocking */, greatest), "cuStreamCreateWithPriority");
        Expect.Ok(CudaDriverApi.StreamCreateWithPriority(&slow, 0, least), "cuStreamCreateWithPriority");
        Expect.Ok(CudaDriverApi.EventCreate(&start, 0), "cuEventCreate");
        Expect.Ok(CudaDriverApi.EventCreate(&stop, 0), "cuEventCreate");
        Expect.Ok(CudaDriverApi.EventCreate(&marker, 2 /* disable timing */), "cuEventCreate");
        const int Bytes = 32 << 20;
        ulong device;
        Expect.Ok(CudaDriverApi.MemAlloc(&device, Bytes), "cuMemAlloc_v2");
        Expect.Ok(CudaPinnedBuffer.TryAllocate(Bytes, out CudaPinnedBuffer? pinned), "cuMemHostAlloc");
        try
        {
            Random.Shared.NextBytes(pinned!.Span);
            byte[] expected = pinned.Span.ToArray();
            int callsBefore = Volatile.Read(ref s_hostFunctionCalls);

            // fast: record start, upload, memsets, record marker; slow: wait marker, download, host fn.
            Expect.Ok(CudaDriverApi.EventRecord(start, fast), "cuEventRecord");
            Expect.Ok(CudaDriverApi.MemcpyHtoDAsync(device, pinned.Pointer, Bytes, fast), "cuMemcpyHtoDAsync_v2");
            Expect.Ok(CudaDriverApi.MemsetD32Async(device, 0xCAFEF00Du, 1024, fast), "cuMemsetD32Async");
            Expect.Ok(CudaDriverApi.MemsetD16Async(device + 4096, 0x5A5A, 512, fast), "cuMemsetD16Async");
            Expect.Ok(CudaDriverApi.MemsetD8Async(device + 8192, 0x11, 100, fast), "cuMemsetD8Async");
            Expect.Ok(CudaDriverApi.MemsetD2D8Async(device + 65536, 1024, 0x22, 16, 8, fast), "cuMemsetD2D8Async");
            Expect.Ok(CudaDriverApi.EventRecordWithFlags(marker, fast, 0), "cuEventRecordWithFlags");
            Expect.Ok(CudaDriverApi.StreamWaitEvent(slow, marker, 0), "cuStreamWaitEvent");
            Expect.Ok(CudaDriverApi.MemcpyDtoHAsync(pinned.Pointer, device, Bytes, slow), "cuMemcpyDtoHAsync_v2");
            Expect.Ok(CudaDriverApi.LaunchHostFunc(slow, &OnHostFunction, 7), "cuLaunchHostFunc");
            Expect.Ok(CudaDriverApi.EventRecord(stop, slow), "cuEventRecord");
            Expect.Ok(CudaDriverApi.EventSynchronize(stop), "cuEventSynchronize");
            Expect.Ok(CudaDriverApi.StreamSynchronize(slow), "cuStreamSynchronize");
            Expect.Status(CudaStatus.Success, CudaDriverApi.StreamQuery(slow), "cuStreamQuery after sync");
            Expect.Status(CudaStatus.Success, CudaDriverApi.EventQuery(stop), "cuEventQuery after sync");
            float milliseconds;
            Expect.Ok(CudaDriverApi.EventElapsedTime(&milliseconds, start, stop), "cuEventElapsedTime_v2");
            Expect.Status(CudaStatus.InvalidHandle, CudaDriverApi.EventElapsedTime(&milliseconds, start, marker), "elapsed time with a no-timing event");
            Expect.Ok(CudaDriverApi.EventElapsedTime(&milliseconds, start, stop), "cuEventElapsedTime_v2");

            MemoryMarshal.Cast<byte, uint>(expected.AsSpan(0, 4096)).Fill(0xCAFEF00Du);
            MemoryMarshal.Cast<byte, ushort>(expected.AsSpan(4096, 1024)).Fill(0x5A5A);
            expected.AsSpan(8192, 100).Fill(0x11);
            for (int row = 0; row < 8; row++)
            {
                expected.AsSpan(65536 + (row * 1024), 16).Fill(0x22);
            }

            Expect.SameBytes(expected, pinned.Span, "cross-stream upload, memsets, download");
            // The host function ran before the stop event completed (same stream, earlier in order).
            Expect.Equal(callsBefore + 7, Volatile.Read(ref s_hostFunctionCalls), "host function calls");

            // A query on a busy stream says "not ready" rather than blocking.
            Expect.Ok(CudaDriverApi.MemcpyHtoDAsync(device, pinned.Pointer, Bytes, fast), "cuMemcpyHtoDAsync_v2");
            Expect.Ok(CudaDriverApi.MemcpyDtoHAsync(pinned.Pointer, device, Bytes, fast), "cuMemcpyDtoHAsync_v2");
            CudaStatus busy = CudaDriverApi.StreamQuery(fast);
            Expect.True(busy is CudaStatus.NotReady or CudaStatus.Success, "cuStreamQuery on busy stream: " + CudaDriverErrors.Name(busy));
            Expect.Ok(CudaDriverApi.StreamSynchronize(fast), "cuStreamSynchronize");
            return $"priorities [{least},{greatest}]; 32 MiB pipeline over 2 streams {milliseconds:F3} ms by events; " +
                   $"busy query gave {CudaDriverErrors.Name(busy)}";
        }
        finally
        {
            pinned?.Dispose();
            Expect.Ok(CudaDriverApi.MemFree(device), "cuMemFree_v2");
            Expect.Ok(CudaDriverApi.EventDestroy(start), "cuEventDestroy_v2");
            Expect.Ok(CudaDriverApi.EventDestroy(stop), "cuEventDestroy_v2");
            Expect.Ok(CudaDriverApi.EventDestroy(marker), "cuEventDestroy_v2");
            Expect.Ok(CudaDriverApi.StreamDestroy(fast), "cuStreamDestroy_v2");
            Expect.Ok(CudaDriverApi.StreamDestroy(slow), "cuStreamDestroy_v2");
        }
    }

    private static string CheckStreamOrderedAlloc()
    {
        nint stream;
        Expect.Ok(CudaDriverApi.StreamCreateWithPriority(&stream, 1, 0), "cuStreamCreateWithPriority");
        try
        {
            ulong device;
            Expect.Ok(CudaDriverApi.MemAllocAsync(&device, 1 << 20, stream), "cuMemAllocAsync");
            Expect.Ok(CudaDriverApi.MemsetD32Async(device, 42, 1 << 18, stream), "cuMemsetD32Async");
            uint value;
            Expect.Ok(CudaDriverApi.MemcpyDtoHAsync(&value, device + 4000, 4, stream), "cuMemcpyDtoHAsync_v2");
            Expect.Ok(CudaDriverApi.MemFreeAsync(device, stream), "cuMemFreeAsync");
            Expect.Ok(CudaDriverApi.StreamSynchronize(stream), "cuStreamSynchronize");
            Expect.Equal(42u, value, "value read back from stream-ordered allocation");
            return "alloc, memset, read, free ordered on one stream";
        }
        finally
        {
            Expect.Ok(CudaDriverApi.StreamDestroy(stream), "cuStreamDestroy_v2");
        }
    }

    private string CheckFatbin()
    {
        Expect.True(fatbinPath is not null && File.Exists(fatbinPath), $"fatbin not found at '{fatbinPath}' (pass its path as the first argument)");
        byte[] image = File.ReadAllBytes(fatbinPath!);
        Expect.Equal(0xBA55ED50u, BitConverter.ToUInt32(image, 0), "fatbin magic");
        return CheckModule(image, "fatbin");
    }
}
