using System.Diagnostics;
using System.Text;
using Orion.Gpu.Tests;
using Orion.Server.Core.Backend.Cuda;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Gpu.Smoke;

/// <summary>Large copies through pinned staging (the server's copy path) and fault isolation.</summary>
internal sealed unsafe partial class DriverChecks
{
    private const int LargeBytes = 256 << 20;
    private const int ChunkBytes = 4 << 20;

    private static string CheckLargeCopies()
    {
        byte[] source = new byte[LargeBytes];
        byte[] destination = new byte[LargeBytes];
        new Random(99).NextBytes(source);
        nint stream;
        Expect.Ok(CudaDriverApi.StreamCreateWithPriority(&stream, 1, 0), "cuStreamCreateWithPriority");
        nint* done = stackalloc nint[2];
        Expect.Ok(CudaDriverApi.EventCreate(&done[0], 2), "cuEventCreate");
        Expect.Ok(CudaDriverApi.EventCreate(&done[1], 2), "cuEventCreate");
        ulong device;
        Expect.Ok(CudaDriverApi.MemAlloc(&device, LargeBytes), "cuMemAlloc_v2");
        Expect.Ok(CudaPinnedBuffer.TryAllocate(ChunkBytes, out CudaPinnedBuffer? stagingA), "cuMemHostAlloc");
        Expect.Ok(CudaPinnedBuffer.TryAllocate(ChunkBytes, out CudaPinnedBuffer? stagingB), "cuMemHostAlloc");
        CudaPinnedBuffer[] staging = [stagingA!, stagingB!];
        try
        {
            double up = 0, down = 0;
            for (int round = 0; round < 2; round++)
            {
                destination.AsSpan().Clear();
                var watch = Stopwatch.StartNew();
                Upload(source, device, staging, done, stream);
                up = Math.Max(up, LargeBytes / watch.Elapsed.TotalSeconds / 1e9);
                watch.Restart();
                Download(destination, device, staging, done, stream);
                down = Math.Max(down, LargeBytes / watch.Elapsed.TotalSeconds / 1e9);
                Expect.SameBytes(source, destination, "256 MiB round trip");
            }

            // Baselines measured in the same run: one direct pageable copy each way.
            var direct = Stopwatch.StartNew();
            fixed (byte* s = source)
            {
                Expect.Ok(CudaDriverApi.MemcpyHtoD(device, s, LargeBytes), "cuMemcpyHtoD_v2");
            }

            double pageableUp = LargeBytes / direct.Elapsed.TotalSeconds / 1e9;
            direct.Restart();
            fixed (byte* d = destination)
            {
                Expect.Ok(CudaDriverApi.MemcpyDtoH(d, device, LargeBytes), "cuMemcpyDtoH_v2");
            }

            double pageableDown = LargeBytes / direct.Elapsed.TotalSeconds / 1e9;
            Expect.SameBytes(source, destination, "256 MiB direct round trip");
            return $"staged 4 MiB x2: H2D {up:F1} GB/s, D2H {down:F1} GB/s; direct pageable: H2D {pageableUp:F1} GB/s, D2H {pageableDown:F1} GB/s";
        }
        finally
        {
            stagingA!.Dispose();
            stagingB!.Dispose();
            Expect.Ok(CudaDriverApi.MemFree(device), "cuMemFree_v2");
            Expect.Ok(CudaDriverApi.EventDestroy(done[0]), "cuEventDestroy_v2");
            Expect.Ok(CudaDriverApi.EventDestroy(done[1]), "cuEventDestroy_v2");
            Expect.Ok(CudaDriverApi.StreamDestroy(stream), "cuStreamDestroy_v2");
        }
    }

    // Chunk k is staged into buffer k%2 once the DMA of chunk k-2 (same buffer) has finished,
    // so the host copy of one chunk overlaps the PCIe transfer of the previous one.
    private static void Upload(byte[] source, ulong device, CudaPinnedBuffer[] staging, nint* done, nint stream)
    {
        for (int offset = 0, k = 0; offset < source.Length; offset += ChunkBytes, k++)
        {
            int slot = k & 1;
            int length = Math.Min(ChunkBytes, source.Length - offset);
            if (k >= 2)
            {
                Expect.Ok(CudaDriverApi.EventSynchronize(done[slot]), "cuEventSynchronize");
            }

            source.AsSpan(offset, length).CopyTo(staging[slot].Span);
            Expect.Ok(CudaDriverApi.MemcpyHtoDAsync(device + (ulong)offset, staging[slot].Pointer, (nuint)length, stream), "cuMemcpyHtoDAsync_v2");
            Expect.Ok(CudaDriverApi.EventRecord(done[slot], stream), "cuEventRecord");
        }

        Expect.Ok(CudaDriverApi.StreamSynchronize(stream), "cuStreamSynchronize");
    }

    // Chunk k is requested, then chunk k-1 (already in flight before it) is copied out.
    private static void Download(byte[] destination, ulong device, CudaPinnedBuffer[] staging, nint* done, nint stream)
    {
        int chunks = (destination.Length + ChunkBytes - 1) / ChunkBytes;
        for (int k = 0; k <= chunks; k++)
        {
            if (k < chunks)
            {
                int offset = k * ChunkBytes;
                int length = Math.Min(ChunkBytes, destination.Length - offset);
                Expect.Ok(CudaDriverApi.MemcpyDtoHAsync(staging[k & 1].Pointer, device + (ulong)offset, (nuint)length, stream), "cuMemcpyDtoHAsync_v2");
                Expect.Ok(CudaDriverApi.EventRecord(done[k & 1], stream), "cuEventRecord");
            }

            if (k > 0)
            {
                int previous = k - 1;
                int offset = previous * ChunkBytes;
                int length = Math.Min(ChunkBytes, destination.Length - offset);
                Expect.Ok(CudaDriverApi.EventSynchronize(done[previous & 1]), "cuEventSynchronize");
                staging[previous & 1].Span[..length].CopyTo(destination.AsSpan(offset, length));
            }
        }
    }

    /// <summary>
    /// A kernel that writes through a wild pointer in context B must fail with an illegal address.
    /// What that does to context A (another session in the same process) and to a context created
    /// afterwards is recorded, not assumed: it decides whether sessions need separate processes.
    /// </summary>
    private string CheckFaultIsolation()
    {
        Expect.Ok(CudaContextHandle.TryCreate(_device, 0, out CudaContextHandle? faulty), "cuCtxCreate_v4");
        CudaStatus fault;
        using (faulty)
        {
            fault = LaunchMixedOnce(wildOutput: true);
            Expect.Status(CudaStatus.IllegalAddress, fault, "wild store");
        }

        Expect.Ok(CudaDriverApi.CtxSetCurrent(_context!.Context), "cuCtxSetCurrent(A)");
        string survivor = ProbeCurrentContext();
        nint fresh;
        CudaStatus created = CudaDriverApi.CtxCreate(&fresh, null, 0, _device);
        string freshState = created == CudaStatus.Success ? ProbeCurrentContext() : "create " + CudaDriverErrors.Name(created);
        if (created == CudaStatus.Success)
        {
            _ = CudaDriverApi.CtxDestroy(fresh);
        }

        return $"faulting context B got {CudaDriverErrors.Name(fault)}; afterwards context A: {survivor}; new context C: {freshState}";
    }

    private static string ProbeCurrentContext()
    {
        ulong pointer;
        CudaStatus alloc = CudaDriverApi.MemAlloc(&pointer, 4);
        if (alloc == CudaStatus.Success)
        {
            _ = CudaDriverApi.MemFree(pointer);
        }

        CudaStatus sync = CudaDriverApi.CtxSynchronize();
        return $"alloc {CudaDriverErrors.Name(alloc)}, sync {CudaDriverErrors.Name(sync)}";
    }

    /// <summary>Loads the PTX in the current context and runs orion_mixed on 1 element; returns the sync status.</summary>
    private static CudaStatus LaunchMixedOnce(bool wildOutput)
    {
        nint module;
        byte[] ptx = Encoding.ASCII.GetBytes(MixedKernel.LoadPtx() + "\0");
        fixed (byte* i = ptx)
        {
            Expect.Ok(CudaDriverApi.ModuleLoadData(&module, i), "cuModuleLoadData");
        }

        nint function = GetFunction(module, MixedKernel.Name);
        ulong x, y;
        Expect.Ok(CudaDriverApi.MemAlloc(&x, 4), "cuMemAlloc_v2");
        Expect.Ok(CudaDriverApi.MemAlloc(&y, 4), "cuMemAlloc_v2");
        float one = 1f;
        Expect.Ok(CudaDriverApi.MemcpyHtoD(x, &one, 4), "cuMemcpyHtoD_v2");
        ulong output = wildOutput ? 0x10UL : y;
        int n = 1;
        float a = 2f;
        var p = new MixedParams { Scale = 1f, Offset = 0, Bias = 0 };
        byte flag = 0;
        void** args = stackalloc void*[6];
        args[0] = &x;
        args[1] = &output;
        args[2] = &n;
        args[3] = &a;
        args[4] = &p;
        args[5] = &flag;
        CudaStatus launch = CudaDriverApi.LaunchKernel(function, 1, 1, 1, 1, 1, 1, 0, 0, args, null);
        CudaStatus sync = launch == CudaStatus.Success ? CudaDriverApi.CtxSynchronize() : launch;
        if (sync == CudaStatus.Success)
        {
            float result;
            Expect.Ok(CudaDriverApi.MemcpyDtoH(&result, y, 4), "cuMemcpyDtoH_v2");
            Expect.Equal(2f, result, "one-element result");
            Expect.Ok(CudaDriverApi.MemFree(x), "cuMemFree_v2");
            Expect.Ok(CudaDriverApi.MemFree(y), "cuMemFree_v2");
            Expect.Ok(CudaDriverApi.ModuleUnload(module), "cuModuleUnload");
        }

        // After a fault the context is unusable; destroying it (by the caller) frees everything.
        return sync;
    }
}
