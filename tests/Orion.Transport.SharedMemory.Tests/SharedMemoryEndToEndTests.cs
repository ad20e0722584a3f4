using Orion.Cuda.Remote.Tests;
using Orion.Transport.Tcp;

namespace Orion.Transport.SharedMemory.Tests;

/// <summary>The remote-CUDA end-to-end suite (emulated device) over shared memory, with a ring smaller
/// than the larger copies so that they stream through it, wrapping round many times.</summary>
public sealed class SharedMemoryEndToEndTests : RemoteCudaEndToEndTests
{
    protected override TransportFactory CreateTransports()
        => new TransportFactory().Add(new TcpTransport()).Add(new SharedMemoryTransport(new SharedMemoryTransportSettings { RingCapacity = 128 * 1024 }));

    protected override TransportEndpoint CreateListenEndpoint() => TestSockets.NewEndpoint();

    [Theory]
    [InlineData(4)]
    [InlineData(32 * 1024 * 1024 + 5)] // 256 ring-fulls
    public void Copies_far_larger_than_the_ring_keep_every_byte(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        using var buffer = Gpu.Upload<byte>(data);
        var back = new byte[length];
        buffer.CopyTo(back);
        Assert.Equal(data, back);
    }
}

public sealed class SharedMemoryMalformedMessageTests : MalformedMessageTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new SharedMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => TestSockets.NewEndpoint();
}

/// <summary>
/// Process isolation's redirect over shared memory (workers in this process): each session's worker listens on a socket of
/// its own beside the supervisor's, so the session's traffic, not only its hello, goes through shared memory.
/// </summary>
public sealed class SharedMemoryWorkerTests : RemoteCudaTestBase
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new SharedMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => TestSockets.NewEndpoint();

    [Fact]
    public async Task Workers_listen_on_shared_memory_sockets_of_their_own_beside_the_supervisors()
    {
        var workerBackend = new Orion.Server.Core.Backend.Emulated.EmulatedGpuBackend(new Orion.Server.Core.Backend.Emulated.EmulatedDeviceOptions
        {
            Kernels = TestKernels.Create(),
        });
        var (server, _) = await StartServerAsync(options =>
        {
            options.Isolation = Orion.Server.Core.SessionIsolation.Process;
            options.WorkerLauncher = new Orion.Server.Core.Isolation.InProcessWorkerLauncher(workerBackend, Transports);
        });
        var first = new Orion.Cuda.Remote.RemoteGpu(await ConnectAsync(server));
        var second = new Orion.Cuda.Remote.RemoteGpu(await ConnectAsync(server));
        var workers = server.Workers;
        Assert.Equal(2, workers.Count);
        Assert.All(workers, worker =>
        {
            Assert.Equal(SharedMemoryTransport.Scheme, worker.Endpoint.Scheme);
            Assert.Equal(TestSockets.Directory, Path.GetDirectoryName(worker.Endpoint.Host));
        });
        Assert.NotEqual(workers[0].Endpoint.Host, workers[1].Endpoint.Host);
        TestKernels.AssertVectorAddWorks(first, 5000);
        TestKernels.AssertVectorAddWorks(second, 7000);
        using var big = first.Upload(Enumerable.Range(0, 3_000_000).ToArray()); // bulk data through the worker's rings
        Assert.Equal(2_999_999, big.ToArray()[^1]);
        await first.DisposeAsync();
        await second.DisposeAsync();
        workerBackend.Dispose();
    }
}
