using System.Buffers.Binary;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Cooperative launches end to end against the emulated device: the launch reaches the kernel as cooperative
/// (its grid-wide barrier is allowed), a grid too large to be resident fails with
/// CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE at the next synchronizing call without poisoning the session, and
/// the same kernel launched plainly faults.
/// </summary>
public sealed class CooperativeLaunchTests : RemoteCudaTestBase
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private static byte[] Pack(ulong values, ulong total, int n)
    {
        var packed = new byte[20];
        BinaryPrimitives.WriteUInt64LittleEndian(packed, values);
        BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(8), total);
        BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(16), n);
        return packed;
    }

    /// <summary>The most blocks of 256 threads the emulated device holds at once: occupancy times multiprocessors.</summary>
    private int ResidentBlocks(RemoteKernel kernel) => kernel.MaxActiveBlocksPerMultiprocessor(256) * Gpu.Device.MultiprocessorCount;

    [Fact]
    public void A_cooperative_launch_may_synchronize_its_grid()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("gridSum");
        const int N = 5000;
        using var values = Gpu.Allocate<int>(N);
        using var total = Gpu.Allocate<long>(1);
        var blocks = (uint)ResidentBlocks(kernel);
        Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchCooperative(kernel.Handle, new Dim3(blocks), new Dim3(256), 0, 0, Pack(values.Address, total.Address, N)));
        Gpu.Synchronize();
        Assert.Equal(3L * N * (N - 1) / 2, total.ToArray()[0]);
    }

    [Fact]
    public void A_grid_too_large_to_be_resident_fails_at_the_next_synchronization_only()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("gridSum");
        using var values = Gpu.Allocate<int>(16);
        using var total = Gpu.Allocate<long>(1);
        var tooMany = (uint)ResidentBlocks(kernel) + 1;
        // Asynchronous, as every launch through Orion: the driver's answer latches.
        Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchCooperative(kernel.Handle, new Dim3(tooMany), new Dim3(256), 0, 0, Pack(values.Address, total.Address, 16)));
        Assert.Equal(CudaStatus.CooperativeLaunchTooLarge, Gpu.Client.Synchronize());
        // Not a sticky error: the session goes on, and a grid that fits runs.
        Assert.Equal(CudaStatus.Success, Gpu.Client.Synchronize());
        Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchCooperative(kernel.Handle, new Dim3(1), new Dim3(256), 0, 0, Pack(values.Address, total.Address, 16)));
        Gpu.Synchronize();
        Assert.Equal(3L * 16 * 15 / 2, total.ToArray()[0]);
    }

    [Fact]
    public async Task The_same_kernel_launched_plainly_cannot_synchronize_its_grid()
    {
        // A session of its own: the fault is sticky, as a device fault is.
        var gpu = new RemoteGpu(await ConnectAsync(Server));
        using var module = gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("gridSum");
        using var values = gpu.Allocate<int>(16);
        using var total = gpu.Allocate<long>(1);
        Assert.Equal(CudaStatus.Success, gpu.Client.Launch(kernel.Handle, new Dim3(1), new Dim3(256), 0, 0, Pack(values.Address, total.Address, 16)));
        Assert.Equal(CudaStatus.LaunchFailed, gpu.Client.Synchronize());
    }

    [Fact]
    public void A_cooperative_launch_is_checked_as_a_plain_one()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("gridSum");
        Assert.Equal(CudaStatus.InvalidHandle, Gpu.Client.LaunchCooperative(0xDEAD, new Dim3(1), new Dim3(32), 0, 0, new byte[20]));
        Assert.Equal(CudaStatus.InvalidValue, Gpu.Client.LaunchCooperative(kernel.Handle, new Dim3(1), new Dim3(32), 0, 0, new byte[8]));
        // An unknown stream is refused by the server: the failure latches.
        Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchCooperative(kernel.Handle, new Dim3(1), new Dim3(32), 0, 0x7777, new byte[20]));
        Assert.Equal(CudaStatus.InvalidHandle, Gpu.Client.Synchronize());
    }
}
