using Orion.Transport;
using Orion.Transport.InMemory;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

public sealed class InMemoryEndToEndTests : RemoteCudaEndToEndTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);
}

public sealed class TcpEndToEndTests : RemoteCudaEndToEndTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);
}

public sealed class InMemoryMalformedMessageTests : MalformedMessageTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);
}

public sealed class TcpMalformedMessageTests : MalformedMessageTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);
}
