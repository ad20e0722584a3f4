using System.IO.Pipelines;
using Orion.Transport.InMemory;
using Orion.Transport.Tests.Conformance;

namespace Orion.Transport.Tests.InMemory;

public sealed class InMemoryTransportConformanceTests : TransportConformanceTests
{
    protected override ITransport CreateTransport() => new InMemoryTransport();

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "conformance-" + Guid.NewGuid().ToString("N"), 0);

    protected override ValueTask<RawConnection> ConnectRawAsync(ITransport transport, TransportEndpoint endpoint)
    {
        var (toServer, _) = ((InMemoryTransport)transport).ConnectRaw(endpoint, Options);
        return ValueTask.FromResult<RawConnection>(new PipeRawConnection(toServer));
    }

    private sealed class PipeRawConnection(PipeWriter toServer) : RawConnection
    {
        public override async ValueTask SendAsync(ReadOnlyMemory<byte> bytes) => await toServer.WriteAsync(bytes);

        public override ValueTask DisposeAsync() => toServer.CompleteAsync();
    }
}
