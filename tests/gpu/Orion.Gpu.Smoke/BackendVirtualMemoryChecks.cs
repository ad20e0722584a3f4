using Orion.Gpu.Tests;
using Orion.Server.Core.Backend;

namespace Orion.Gpu.Smoke;

/// <summary>
/// The virtual memory management API through the CUDA driver backend: a reservation with two granules mapped one
/// after the other, read and written across their boundary; what the context refuses before the driver sees it; and
/// that the context's end unmaps, releases and frees what was left (the device's free memory comes back).
/// </summary>
internal sealed class BackendVirtualMemoryChecks(CheckRunner runner)
{
    private IGpuBackend? _backend;

    public void RunAll()
    {
        if (!GpuBackendProvider.TryCreateCudaDriver(out _backend, out _))
        {
            return;
        }

        runner.Run("backend: virtual memory (reserve, create, map, access, copy across mappings, cleanup)", () => OnThread(VirtualMemory));
    }

    private string VirtualMemory()
    {
        Expect.Status(CudaStatus.Success, _backend!.GetDeviceInfo(0, out GpuDeviceInfo? info), "GetDeviceInfo");
        Expect.Equal(1, info!.GetAttribute(102), "virtual memory management supported");
        Expect.Status(CudaStatus.Success, _backend.CreateContext(0, out IGpuContext? observer), "CreateContext(observer)");
        using (observer)
        {
            IGpuContext o = observer!;
            Expect.Status(CudaStatus.Success, o.GetMemoryInfo(out ulong freeBefore, out _), "GetMemoryInfo");
            Expect.Status(CudaStatus.Success, _backend.CreateContext(0, out IGpuContext? context), "CreateContext");
            IGpuContext c = context!;
            Expect.Status(CudaStatus.Success, c.GetAllocationGranularity(false, out ulong granule), "GetAllocationGranularity(minimum)");
            Expect.Status(CudaStatus.Success, c.GetAllocationGranularity(true, out ulong recommended), "GetAllocationGranularity(recommended)");
            Expect.True(granule != 0 && recommended % granule == 0, $"granularity {granule}, recommended {recommended}");

            // As PyTorch's expandable segments: a large reservation, granules mapped one after another.
            ulong reserved = 4096 * granule;
            Expect.Status(CudaStatus.Success, c.ReserveAddressRange(reserved, 0, 0, out ulong segment), "ReserveAddressRange");
            Expect.Status(CudaStatus.Success, c.CreatePhysicalAllocation(granule, out GpuPhysicalAllocationHandle first), "CreatePhysicalAllocation");
            Expect.Status(CudaStatus.Success, c.CreatePhysicalAllocation(granule, out GpuPhysicalAllocationHandle second), "CreatePhysicalAllocation");
            Expect.Status(CudaStatus.Success, c.MapMemory(segment, granule, first), "MapMemory(first)");
            Expect.Status(CudaStatus.Success, c.MapMemory(segment + granule, granule, second), "MapMemory(second)");
            Expect.Status(CudaStatus.Success, c.SetMemoryAccess(segment, 2 * granule, 3), "SetMemoryAccess(read and write)");

            // Refused before the driver: a mapping over a mapping, outside the reservation, a partial unmap.
            Expect.Status(CudaStatus.InvalidValue, c.MapMemory(segment, granule, second), "MapMemory over a mapping");
            Expect.Status(CudaStatus.InvalidValue, c.MapMemory(segment + reserved, granule, second), "MapMemory outside the reservation");
            Expect.Status(CudaStatus.InvalidValue, c.UnmapMemory(segment, 2 * granule), "UnmapMemory of two mappings at once");
            Expect.Status(CudaStatus.InvalidValue, c.FreeAddressRange(segment, reserved), "FreeAddressRange with mappings");

            const int Bytes = 1 << 20;
            ulong start = segment + granule - (Bytes / 2);
            byte[] data = new byte[Bytes];
            new Random(11).NextBytes(data);
            byte[] back = new byte[Bytes];
            unsafe
            {
                fixed (byte* source = data)
                fixed (byte* destination = back)
                {
                    Expect.Status(CudaStatus.Success, c.CopyHostToDevice(start, (nint)source, Bytes), "CopyHostToDevice across the mappings");
                    Expect.Status(CudaStatus.Success, c.Memset(segment + granule - 8, 0x5A, MemsetElementSize.Bits8, 16), "Memset across the boundary");
                    Expect.Status(CudaStatus.Success, c.CopyDeviceToHost((nint)destination, start, Bytes), "CopyDeviceToHost across the mappings");
                }
            }

            for (int i = (Bytes / 2) - 8; i < (Bytes / 2) + 8; i++)
            {
                data[i] = 0x5A;
            }

            Expect.True(data.AsSpan().SequenceEqual(back), "data read back through the mapped range");

            // One mapping unmapped and released by hand; the rest left for the context's end.
            Expect.Status(CudaStatus.Success, c.UnmapMemory(segment + granule, granule), "UnmapMemory(second)");
            Expect.Status(CudaStatus.Success, c.ReleasePhysicalAllocation(second), "ReleasePhysicalAllocation(second)");
            Expect.Status(CudaStatus.InvalidHandle, c.ReleasePhysicalAllocation(second), "ReleasePhysicalAllocation twice");
            Expect.Status(CudaStatus.Success, c.CreatePhysicalAllocation(64 * granule, out _), "CreatePhysicalAllocation (never mapped)");
            Expect.Status(CudaStatus.Success, o.GetMemoryInfo(out ulong freeDuring, out _), "GetMemoryInfo during");
            c.Dispose();
            Expect.Status(CudaStatus.Success, o.GetMemoryInfo(out ulong freeAfter, out _), "GetMemoryInfo after");
            Expect.True(freeDuring + (64 * granule) <= freeBefore, $"the allocations held memory ({freeBefore} free before, {freeDuring} during)");
            Expect.True(freeAfter + (64UL << 20) >= freeBefore, $"the context's end gave it back ({freeBefore} free before, {freeAfter} after)");
            return $"granularity {granule >> 10} KiB (recommended {recommended >> 10} KiB); {(freeBefore - freeDuring) >> 20} MiB went back at the context's end";
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
