using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The asynchronous hot path of the client (launch, memset: encoded into the batch) allocates nothing
/// per call once warmed up. Synchronous calls are not measured here: their round trip includes the
/// transport's own scheduling, which is the transport's to account for.
/// </summary>
public sealed class AllocationTests : RemoteCudaTestBase
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    [Fact]
    public void Asynchronous_launches_and_memsets_allocate_nothing_on_the_calling_thread()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var kernel = module.GetKernel("vectorAdd");
        using var a = Gpu.Allocate<float>(256);
        using var stream = Gpu.CreateStream();
        void Round()
        {
            for (var i = 0; i < 100; i++)
            {
                kernel.Launch(1, 256, 0, stream, a, a, a, 256);
                Gpu.Client.Memset(a.Address, 0, 4, 256, stream.Handle, async: true);
            }
            stream.Synchronize();
        }
        Round(); // warm up: pools, batch buffers, JIT
        Round();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            kernel.Launch(1, 256, 0, stream, a, a, a, 256);
            Gpu.Client.Memset(a.Address, 0, 4, 256, stream.Handle, async: true);
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        stream.Synchronize();
    }
}
