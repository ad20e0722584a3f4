using Orion.Transport.Tests.Conformance;

namespace Orion.Transport.SharedMemory.Tests;

/// <summary>The transport conformance suite (the one TCP, in-memory and RDMA pass) over shared memory.</summary>
public sealed class SharedMemoryConformanceTests : TransportConformanceTests
{
    protected override ITransport CreateTransport() => new SharedMemoryTransport(new SharedMemoryTransportSettings { RingCapacity = 1024 * 1024 });

    protected override TransportEndpoint CreateListenEndpoint() => TestSockets.NewEndpoint();

    protected override ValueTask<RawConnection> ConnectRawAsync(ITransport transport, TransportEndpoint endpoint)
        => ValueTask.FromResult<RawConnection>(new RingRawConnection(((SharedMemoryTransport)transport).ConnectRaw(endpoint, Options)));

    private sealed class RingRawConnection(RawSharedMemoryClient client) : RawConnection
    {
        public override async ValueTask SendAsync(ReadOnlyMemory<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                var written = client.Write(bytes.Span);
                bytes = bytes[written..];
                if (written == 0)
                {
                    await Task.Delay(1);
                }
            }
        }

        public override ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
