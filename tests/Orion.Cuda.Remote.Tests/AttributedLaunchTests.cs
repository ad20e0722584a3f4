using System.Buffers.Binary;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Launches with <c>cuLaunchKernelEx</c> attributes (wire call 52) and the listing of a module's kernels (wire call
/// 151), end to end against the emulated device: what runs, what the device refuses at the next synchronizing
/// call, and what the server refuses before the device sees it.
/// </summary>
public sealed class AttributedLaunchTests : RemoteCudaTestBase
{
    private const uint Threads = 64;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    private static byte[] PackVectorAdd(ulong a, ulong b, ulong c, int n)
    {
        var packed = new byte[28];
        BinaryPrimitives.WriteUInt64LittleEndian(packed, a);
        BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(8), b);
        BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(16), c);
        BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(24), n);
        return packed;
    }

    [Fact]
    public void A_launch_in_clusters_with_a_priority_and_a_scheduling_preference_runs()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        const int N = 256;
        var a = Enumerable.Range(0, N).Select(i => (float)i).ToArray();
        var b = Enumerable.Range(0, N).Select(i => 1000f - i).ToArray();
        using var da = Gpu.Upload<float>(a);
        using var db = Gpu.Upload<float>(b);
        using var dc = Gpu.Allocate<float>(N);
        var attributes = new LaunchAttributes(new Dim3(2, 1, 1), 1, LaunchAttributeSwitches.Priority | LaunchAttributeSwitches.ProgrammaticStreamSerialization, -1);

        Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchWithAttributes(kernel.Handle, new Dim3(N / Threads), new Dim3(Threads), 0, attributes, 0,
            PackVectorAdd(da.Address, db.Address, dc.Address, N)));
        Gpu.Synchronize();

        Assert.All(dc.ToArray(), value => Assert.Equal(1000f, value));
    }

    [Fact]
    public void A_cooperative_attribute_lets_the_kernel_synchronize_its_grid()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("gridSum");
        using var values = Gpu.Allocate<int>(100);
        using var total = Gpu.Allocate<long>(1);
        var packed = new byte[20];
        BinaryPrimitives.WriteUInt64LittleEndian(packed, values.Address);
        BinaryPrimitives.WriteUInt64LittleEndian(packed.AsSpan(8), total.Address);
        BinaryPrimitives.WriteInt32LittleEndian(packed.AsSpan(16), 100);

        Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchWithAttributes(kernel.Handle, new Dim3(2), new Dim3(256), 0,
            new LaunchAttributes(default, 0, LaunchAttributeSwitches.Cooperative, 0), 0, packed));
        Gpu.Synchronize();

        Assert.Equal(3L * 100 * 99 / 2, total.ToArray()[0]);
    }

    [Fact]
    public void A_cluster_that_does_not_divide_the_grid_fails_at_the_next_synchronization_only()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        using var buffer = Gpu.Allocate<float>(Threads * 3);
        var packed = PackVectorAdd(buffer.Address, buffer.Address, buffer.Address, (int)(Threads * 3));

        Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchWithAttributes(kernel.Handle, new Dim3(3), new Dim3(Threads), 0,
            new LaunchAttributes(new Dim3(2, 1, 1), 0, LaunchAttributeSwitches.None, 0), 0, packed));
        Assert.Equal(CudaStatus.InvalidClusterSize, Gpu.Client.Synchronize());
        Assert.Equal(CudaStatus.Success, Gpu.Client.Synchronize()); // not sticky
    }

    [Fact]
    public void Attributes_the_wire_does_not_define_are_refused_before_the_device_sees_them()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        using var buffer = Gpu.Allocate<float>(Threads);
        var packed = PackVectorAdd(buffer.Address, buffer.Address, buffer.Address, (int)Threads);
        LaunchAttributes[] refused =
        [
            new(default, 0, (LaunchAttributeSwitches)8, 0), // an unknown switch
            new(new Dim3(2, 0, 1), 0, LaunchAttributeSwitches.None, 0), // half a cluster shape
            new(new Dim3(1, 1, 1), 3, LaunchAttributeSwitches.None, 0), // no such scheduling policy
        ];
        foreach (var attributes in refused)
        {
            // Asynchronous: the server's refusal latches to the next synchronizing call.
            Assert.Equal(CudaStatus.Success, Gpu.Client.LaunchWithAttributes(kernel.Handle, new Dim3(1), new Dim3(Threads), 0, attributes, 0, packed));
            Assert.Equal(CudaStatus.InvalidValue, Gpu.Client.Synchronize());
        }
        Assert.Equal(CudaStatus.InvalidHandle, Gpu.Client.LaunchWithAttributes(0xDEAD, new Dim3(1), new Dim3(Threads), 0, default, 0, packed));
        Assert.Equal(CudaStatus.InvalidValue, Gpu.Client.LaunchWithAttributes(kernel.Handle, new Dim3(1), new Dim3(Threads), 0, default, 0, new byte[8]));
    }

    [Fact]
    public void A_modules_kernels_are_listed_by_name()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);

        Assert.Equal(CudaStatus.Success, Gpu.Client.ListFunctionNames(module.Handle, out var names));
        var listed = names.Split('\n');
        Assert.Contains("vectorAdd", listed);
        Assert.Contains("gridSum", listed);
        Assert.Equal(listed.Length, listed.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(CudaStatus.InvalidHandle, Gpu.Client.ListFunctionNames(0xBAD, out _));
    }
}
