using Orion.Server.Core.Authentication;
using Orion.Transport;

namespace Orion.Server.Core.Tests.Authentication;

public sealed class LoopbackEndpointsTests
{
    [Theory]
    [InlineData("tcp://127.0.0.1:7000", true)]
    [InlineData("tcp://127.1.2.3:7000", true)]
    [InlineData("tcp://[::1]:7000", true)]
    [InlineData("tcp://localhost:7000", true)]
    [InlineData("tcp://LocalHost:7000", true)]
    [InlineData("rdma://127.0.0.1:7001", true)]
    [InlineData("auto://localhost:7001", true)]
    [InlineData("inproc://orion-test", true)]
    [InlineData("tcp://0.0.0.0:7000", false)]
    [InlineData("tcp://[::]:7000", false)]
    [InlineData("tcp://192.168.1.10:7000", false)]
    [InlineData("tcp://[::ffff:192.168.1.10]:7000", false)]
    [InlineData("tcp://gpu-host.example:7000", false)] // a name is not resolved: it may be any interface
    [InlineData("tcp://localhost.example:7000", false)]
    [InlineData("rdma://10.0.0.5:7001", false)]
    public void Only_loopback_and_in_process_endpoints_count_as_loopback(string endpoint, bool loopback)
    {
        Assert.Equal(loopback, LoopbackEndpoints.IsLoopback(TransportEndpoint.Parse(endpoint)));
    }

    [Fact]
    public void An_ipv4_mapped_loopback_address_is_loopback()
    {
        Assert.True(LoopbackEndpoints.IsLoopback(new TransportEndpoint("tcp", "::ffff:127.0.0.1", 7000)));
    }
}
