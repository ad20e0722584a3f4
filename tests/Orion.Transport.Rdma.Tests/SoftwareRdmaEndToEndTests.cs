using Orion.Cuda.Remote.Tests;

namespace Orion.Transport.Rdma.Tests;

/// <summary>The remote-CUDA end-to-end suite (client ↔ server with the emulated device) over RDMA on the software provider.</summary>
public sealed class SoftwareRdmaEndToEndTests : RemoteCudaEndToEndTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(RdmaTransport.CreateSoftware(SoftwareRdmaConformanceTests.Settings));

    protected override TransportEndpoint CreateListenEndpoint() => new(RdmaTransport.SoftwareScheme, "localhost", 0);
}

/// <summary>Malformed protocol input over RDMA ends only that session.</summary>
public sealed class SoftwareRdmaMalformedMessageTests : MalformedMessageTests
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(RdmaTransport.CreateSoftware(SoftwareRdmaConformanceTests.Settings));

    protected override TransportEndpoint CreateListenEndpoint() => new(RdmaTransport.SoftwareScheme, "localhost", 0);
}
