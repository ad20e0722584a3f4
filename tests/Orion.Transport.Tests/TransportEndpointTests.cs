namespace Orion.Transport.Tests;

/// <summary>Endpoint parsing: what is accepted, and a one-line reason that names the actual problem for what is not.</summary>
public sealed class TransportEndpointTests
{
    [Theory]
    [InlineData("tcp://gpu-host:7000", "tcp", "gpu-host", 7000)]
    [InlineData("gpu-host:7000", "tcp", "gpu-host", 7000)]
    [InlineData("rdma://10.0.0.5:7001", "rdma", "10.0.0.5", 7001)]
    [InlineData("auto://[::1]:65535", "auto", "::1", 65535)]
    [InlineData("TCP://Host:1", "tcp", "host", 1)]
    public void Valid_endpoints_parse(string text, string scheme, string host, int port) =>
        Assert.Equal(new TransportEndpoint(scheme, host, port), TransportEndpoint.Parse(text));

    [Theory]
    [InlineData("tcp://gpu-host:99999", "port 99999 is out of range (1-65535)")]
    [InlineData("gpu-host:99999", "port 99999 is out of range (1-65535)")]
    [InlineData("tcp://[::1]:70000", "port 70000 is out of range (1-65535)")]
    [InlineData("tcp://gpu-host:123456789012345678901234", "port 123456789012345678901234 is out of range (1-65535)")]
    [InlineData("tcp://gpu-host:70x", "port '70x' is not a number (1-65535)")]
    [InlineData("tcp://gpu-host", "a port is required")]
    [InlineData("tcp://gpu-host:", "a port is required")]
    [InlineData("tcp://gpu host:7000", "not a URI (expected scheme://host:port)")]
    public void Invalid_endpoints_say_what_is_wrong(string text, string expected)
    {
        Assert.False(TransportEndpoint.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
        var thrown = Assert.Throws<FormatException>(() => TransportEndpoint.Parse(text));
        Assert.Equal($"Invalid transport endpoint '{text}': {expected}", thrown.Message);
    }
}
