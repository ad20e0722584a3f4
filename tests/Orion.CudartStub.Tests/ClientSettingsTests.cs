using Orion.Cuda.Client.Native;

namespace Orion.CudartStub.Tests;

public sealed class ClientSettingsTests
{
    private static ClientSettings Parse(params (string Name, string Value)[] variables)
    {
        var table = variables.ToDictionary(v => v.Name, v => v.Value);
        return ClientSettings.Parse(name => table.GetValueOrDefault(name));
    }

    [Fact]
    public void BareHostPortMeansTcp()
    {
        var settings = Parse(("ORION_SERVER", "gpu7.example:7450"));
        Assert.Null(settings.Error);
        var server = Assert.Single(settings.Servers);
        Assert.Equal(("tcp", "gpu7.example", 7450), (server.Scheme, server.Host, server.Port));
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ConnectTimeout);
        Assert.Equal(NativeLogLevel.Warn, settings.LogLevel);
    }

    [Fact]
    public void SeveralServersKeepTheirOrderAndSchemes()
    {
        var settings = Parse(("ORION_SERVER", " tcp://a:1 , rdma://b:2,c:3"), ("ORION_TOKEN", "s3cret"),
            ("ORION_LOG_LEVEL", "debug"), ("ORION_CONNECT_TIMEOUT_MS", "250"));
        Assert.Null(settings.Error);
        Assert.Equal(["tcp://a:1", "rdma://b:2", "tcp://c:3"], settings.Servers.Select(s => s.ToString()));
        Assert.Equal("s3cret", settings.Token);
        Assert.Equal(NativeLogLevel.Debug, settings.LogLevel);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.ConnectTimeout);
    }

    [Fact]
    public void MissingServerIsAClearError()
    {
        var settings = Parse();
        Assert.Empty(settings.Servers);
        Assert.Contains("ORION_SERVER is not set", settings.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ORION_SERVER", "host-without-port", "ORION_SERVER entry")]
    [InlineData("ORION_LOG_LEVEL", "chatty", "ORION_LOG_LEVEL")]
    [InlineData("ORION_CONNECT_TIMEOUT_MS", "-5", "ORION_CONNECT_TIMEOUT_MS")]
    [InlineData("ORION_CONNECT_TIMEOUT_MS", "99999999999", "ORION_CONNECT_TIMEOUT_MS")]
    public void BadValuesAreReportedNotThrown(string name, string value, string expectedInError)
    {
        var variables = new List<(string, string)> { ("ORION_SERVER", "h:1") };
        variables.RemoveAll(v => v.Item1 == name);
        variables.Add((name, value));
        var settings = Parse([.. variables]);
        Assert.Contains(expectedInError, settings.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TooManyServersAreRefused()
    {
        var list = string.Join(",", Enumerable.Range(1, ClientSettings.MaxServers + 1).Select(i => $"h{i}:1"));
        var settings = Parse(("ORION_SERVER", list));
        Assert.Equal(ClientSettings.MaxServers, settings.Servers.Count);
        Assert.Contains("more than", settings.Error, StringComparison.Ordinal);
    }
}
