using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Cuda;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>
/// The checks the context makes before any driver call. A context over an empty handle is
/// "current" on the thread that built it (as after cuCtxCreate), so these run without a GPU: every
/// call here must be answered by the validation alone — reaching the driver would throw
/// DllNotFoundException on a host without libcuda.
/// </summary>
public sealed class CudaDriverContextValidationTests
{
    // Built inside each (synchronous) test so that it is current on the thread that uses it.
    private static CudaDriverContext NewContext() => new(0, new CudaContextHandle());

    [Fact]
    public void Streams_it_never_created_are_refused()
    {
        using CudaDriverContext context = NewContext();

        var bogus = new GpuStreamHandle(0x5EED0);

        Assert.Equal(CudaStatus.InvalidHandle, context.SynchronizeStream(bogus));
        Assert.Equal(CudaStatus.InvalidHandle, context.QueryStream(bogus));
        Assert.Equal(CudaStatus.InvalidHandle, context.MemsetAsync(0x1000, 0, MemsetElementSize.Bits8, 1, bogus));
        Assert.Equal(CudaStatus.InvalidHandle, context.CopyDeviceToDeviceAsync(0x1000, 0x2000, 4, bogus));
        Assert.Equal(CudaStatus.InvalidHandle, context.AllocateAsync(4, bogus, out ulong address));
        Assert.Equal(0UL, address);
        Assert.Equal(CudaStatus.InvalidHandle, context.LaunchHostFunction(bogus, _ => { }, 1));
        Assert.Equal(CudaStatus.InvalidHandle, context.DestroyStream(bogus));
    }

    [Fact]
    public void The_default_stream_cannot_be_destroyed()
    {
        using CudaDriverContext context = NewContext();

        Assert.Equal(CudaStatus.InvalidHandle, context.DestroyStream(GpuStreamHandle.Null));
    }

    [Fact]
    public void Events_it_never_created_are_refused()
    {
        using CudaDriverContext context = NewContext();

        var bogus = new GpuEventHandle(0x5EED0);

        Assert.Equal(CudaStatus.InvalidHandle, context.RecordEvent(bogus, GpuStreamHandle.Null, 0));
        Assert.Equal(CudaStatus.InvalidHandle, context.SynchronizeEvent(bogus));
        Assert.Equal(CudaStatus.InvalidHandle, context.QueryEvent(bogus));
        Assert.Equal(CudaStatus.InvalidHandle, context.StreamWaitEvent(GpuStreamHandle.Null, bogus, 0));
        Assert.Equal(CudaStatus.InvalidHandle, context.GetEventElapsedTime(bogus, bogus, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.DestroyEvent(bogus));
    }

    [Fact]
    public void Modules_and_functions_it_never_loaded_are_refused()
    {
        using CudaDriverContext context = NewContext();

        var module = new GpuModuleHandle(0x5EED0);
        var function = new GpuFunctionHandle(0x5EED0);

        Assert.Equal(CudaStatus.InvalidHandle, context.GetFunction(module, "kernel", out _, out KernelParameterInfo[] layout));
        Assert.Empty(layout);
        Assert.Equal(CudaStatus.InvalidHandle, context.GetGlobal(module, "global", out _, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.UnloadModule(module));
        Assert.Equal(CudaStatus.InvalidHandle, context.GetFunctionAttribute(function, FunctionAttributeId.NumRegisters, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.SetFunctionAttribute(function, FunctionAttributeId.MaxDynamicSharedSizeBytes, 0));
        Assert.Equal(CudaStatus.InvalidHandle, context.SetFunctionCacheConfig(function, FunctionCacheConfig.PreferL1));
        Assert.Equal(CudaStatus.InvalidHandle, context.GetMaxActiveBlocksPerMultiprocessor(function, 256, 0, 0, out _));
        Assert.Equal(CudaStatus.InvalidHandle, context.Launch(function, new LaunchConfiguration(1, 1, 0), GpuStreamHandle.Null, new byte[16]));
    }

    [Fact]
    public void Pools_it_never_created_are_refused()
    {
        using CudaDriverContext context = NewContext();

        var bogus = new GpuMemoryPoolHandle(0x5EED0);

        Assert.Equal(CudaStatus.InvalidHandle, context.DestroyMemoryPool(bogus));
        Assert.Equal(CudaStatus.InvalidHandle, context.SetMemoryPoolAttribute(bogus, MemoryPoolAttributeId.ReleaseThreshold, 0));
        Assert.Equal(CudaStatus.InvalidHandle, context.GetMemoryPoolAttribute(bogus, MemoryPoolAttributeId.UsedMemoryCurrent, out ulong value));
        Assert.Equal(0UL, value);
        Assert.Equal(CudaStatus.InvalidHandle, context.TrimMemoryPool(bogus, 0));
        Assert.Equal(CudaStatus.InvalidHandle, context.AllocateFromPoolAsync(64, bogus, GpuStreamHandle.Null, out ulong address));
        Assert.Equal(0UL, address);
        // A bad stream is refused before the default pool would be created for the allocation.
        Assert.Equal(CudaStatus.InvalidHandle, context.AllocateFromPoolAsync(64, bogus, new GpuStreamHandle(0x5EED0), out _));
    }

    [Fact]
    public void Virtual_memory_it_never_reserved_created_or_mapped_is_refused()
    {
        using CudaDriverContext context = NewContext();

        const ulong Granule = 2UL << 20;
        var bogus = new GpuPhysicalAllocationHandle(0x5EED0);

        Assert.Equal(CudaStatus.InvalidHandle, context.ReleasePhysicalAllocation(bogus));
        Assert.Equal(CudaStatus.InvalidHandle, context.MapMemory(0x7000_0000_0000, Granule, bogus));
        Assert.Equal(CudaStatus.InvalidValue, context.UnmapMemory(0x7000_0000_0000, Granule));
        Assert.Equal(CudaStatus.InvalidValue, context.SetMemoryAccess(0x7000_0000_0000, Granule, 3));
        Assert.Equal(CudaStatus.InvalidValue, context.FreeAddressRange(0x7000_0000_0000, Granule));
        Assert.Equal(CudaStatus.InvalidValue, context.ReserveAddressRange(0, 0, 0, out ulong address));
        Assert.Equal(0UL, address);
        Assert.Equal(CudaStatus.InvalidValue, context.CreatePhysicalAllocation(0, out GpuPhysicalAllocationHandle allocation));
        Assert.Equal(default, allocation);
    }

    [Fact]
    public void Cooperative_launches_of_unknown_functions_or_streams_are_refused()
    {
        using CudaDriverContext context = NewContext();

        var configuration = new LaunchConfiguration(1, 1, 0);
        Assert.Equal(CudaStatus.InvalidHandle, context.LaunchCooperative(new GpuFunctionHandle(0x5EED0), configuration, GpuStreamHandle.Null, new byte[16]));
        Assert.Equal(CudaStatus.InvalidHandle, context.LaunchCooperative(default, configuration, new GpuStreamHandle(0x5EED0), []));
    }

    [Fact]
    public void Malformed_module_images_never_reach_the_driver()
    {
        using CudaDriverContext context = NewContext();

        byte[] truncatedFatbin = [0x50, 0xED, 0x55, 0xBA, 1, 0, 16, 0, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0];

        Assert.Equal(CudaStatus.InvalidImage, context.LoadModule(truncatedFatbin, out GpuModuleHandle module));
        Assert.Equal(default, module);
        Assert.Equal(CudaStatus.InvalidImage, context.LoadModule([], out _));
        Assert.Equal(CudaStatus.InvalidImage, context.LoadModule([0x7F, (byte)'E', (byte)'L', (byte)'F', 1, 1], out _));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        using CudaDriverContext context = NewContext();

        Assert.Equal(CudaStatus.InvalidValue, context.Memset(0x1000, 0, (MemsetElementSize)3, 1));
        Assert.Equal(CudaStatus.InvalidValue, context.Memset2D(0x1000, 64, 0, (MemsetElementSize)8, 1, 1));
        Assert.Equal(CudaStatus.InvalidValue, context.FreeHost(0x1234));
        var badCopy = new MemoryCopy2D((MemoryLocation)9, 1, 1, MemoryLocation.Device, 1, 1, 1, 1);
        Assert.Equal(CudaStatus.InvalidValue, context.Copy2D(badCopy));
        Assert.Equal(CudaStatus.InvalidValue, context.Copy2DAsync(badCopy, GpuStreamHandle.Null));
    }

    [Fact]
    public void Peer_copies_need_a_live_context_of_the_same_backend()
    {
        CudaDriverContext other = NewContext();
        other.Dispose();
        using CudaDriverContext context = NewContext(); // current on this thread now

        Assert.Equal(CudaStatus.InvalidContext, context.CopyPeer(0x1000, other, 0x2000, 4));
        Assert.Equal(CudaStatus.InvalidContext, context.CopyPeerAsync(0x1000, other, 0x2000, 4, GpuStreamHandle.Null));
    }

    [Fact]
    public void Every_call_after_dispose_says_the_context_is_destroyed()
    {
        CudaDriverContext context = NewContext();
        context.Dispose();

        Assert.Equal(CudaStatus.ContextIsDestroyed, context.Synchronize());
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.Allocate(16, out _));
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.CreateStream(0, 0, out _));
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.LoadModule("ptx"u8, out _));
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.Launch(default, new LaunchConfiguration(1, 1, 0), GpuStreamHandle.Null, []));
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.GetDefaultMemoryPool(out _));
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.CreateMemoryPool(new MemoryPoolProperties(0, 0), out _));
        Assert.Equal(CudaStatus.ContextIsDestroyed, context.LaunchCooperative(default, new LaunchConfiguration(1, 1, 0), GpuStreamHandle.Null, []));
        context.Dispose(); // twice is harmless
    }
}
