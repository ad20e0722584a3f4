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
