using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Where a server may listen without a token: loopback only, unless told to run open; and the token file option.
/// </summary>
public sealed class ListenExposureTests : IAsyncLifetime
{
    private readonly TransportFactory _transports = new TransportFactory().Add(new TcpTransport());
    private readonly EmulatedGpuBackend _backend = new(new EmulatedDeviceOptions { Kernels = TestKernels.Create() });
    private readonly List<OrionServer> _servers = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("orion-auth-").FullName;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
        _backend.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A TCP endpoint on <paramref name="host"/>, port 0 (the system picks one).</summary>
    private static TransportEndpoint Tcp(string host) => new(TcpTransport.Scheme, host, 0);

    private OrionServer Create(string host, Action<OrionServerOptions>? configure = null)
    {
        // These tests are about tokens: TLS off loopback (EncryptionByDefaultTests) is waived here.
        var options = new OrionServerOptions { AllowUnencrypted = true };
        options.Endpoints.Add(Tcp(host));
        configure?.Invoke(options);
        var server = new OrionServer(_backend, _transports, options, NullLoggerFactory.Instance);
        _servers.Add(server);
        return server;
    }

    private string TokenFile(string contents, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, contents);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
        return path;
    }

    [Theory]
    [InlineData("0.0.0.0", "tcp://0.0.0.0:0")]
    [InlineData("::", "tcp://[::]:0")]
    [InlineData("192.0.2.10", "tcp://192.0.2.10:0")]
    public async Task A_non_loopback_endpoint_is_refused_without_a_token_and_nothing_listens(string host, string shown)
    {
        var server = Create("127.0.0.1", options => options.Endpoints.Add(Tcp(host)));
        var refused = await Assert.ThrowsAsync<UnauthenticatedEndpointException>(() => server.StartAsync());
        Assert.Equal(Tcp(host), refused.Endpoint);
        Assert.Contains("Refusing to listen on " + shown, refused.Message, StringComparison.Ordinal);
        Assert.Contains("AuthToken", refused.Message, StringComparison.Ordinal);
        Assert.Contains("AllowUnauthenticated", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Empty(server.Endpoints); // not even the loopback endpoint listed first
    }

    [Fact]
    public async Task A_non_loopback_endpoint_is_allowed_with_a_token()
    {
        var server = Create("0.0.0.0", options => options.AuthToken = "s3cret");
        await server.StartAsync();
        var port = Assert.Single(server.Endpoints).Port;
        await using var client = await RemoteCudaClient.ConnectAsync(_transports, new TransportEndpoint("tcp", "127.0.0.1", port),
            new RemoteCudaClientOptions { AuthToken = "s3cret" });
        Assert.Equal(CudaStatus.Success, client.Synchronize());
    }

    [Fact]
    public async Task A_non_loopback_endpoint_is_allowed_open_when_asked_explicitly()
    {
        var server = Create("0.0.0.0", options => options.AllowUnauthenticated = true);
        await server.StartAsync();
        var port = Assert.Single(server.Endpoints).Port;
        await using var client = await RemoteCudaClient.ConnectAsync(_transports, new TransportEndpoint("tcp", "127.0.0.1", port));
        Assert.Equal(CudaStatus.Success, client.Synchronize());
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task A_loopback_endpoint_needs_no_token(string host)
    {
        var server = Create(host);
        await server.StartAsync();
        Assert.Single(server.Endpoints);
    }

    [Fact]
    public async Task The_token_may_come_from_a_file_whose_line_break_is_trimmed()
    {
        var server = Create("0.0.0.0", options => options.AuthTokenFile = TokenFile("from-a-file\n"));
        await server.StartAsync();
        var endpoint = new TransportEndpoint("tcp", "127.0.0.1", server.Endpoints[0].Port);
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() =>
            RemoteCudaClient.ConnectAsync(_transports, endpoint, new RemoteCudaClientOptions { AuthToken = "from-a-file\n" }));
        Assert.Equal(HandshakeStatus.AuthenticationFailed, refused.Status);
        await using var client = await RemoteCudaClient.ConnectAsync(_transports, endpoint, new RemoteCudaClientOptions { AuthToken = "from-a-file" });
        Assert.Equal(CudaStatus.Success, client.Synchronize());
    }

    [Fact]
    public async Task A_token_file_others_can_read_is_refused_at_start()
    {
        var path = TokenFile("from-a-file\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var server = Create("127.0.0.1", options => options.AuthTokenFile = path);
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("from-a-file", refused.Message.Replace(path, "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Empty(server.Endpoints);
    }

    [Fact]
    public async Task A_token_and_a_token_file_together_are_refused()
    {
        var server = Create("127.0.0.1", options =>
        {
            options.AuthToken = "one";
            options.AuthTokenFile = TokenFile("other\n");
        });
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
        Assert.Contains("not both", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nonsense_failure_limits_are_refused_at_start()
    {
        var server = Create("127.0.0.1", options => options.AuthFailureLimits = new Orion.Server.Core.Authentication.AuthFailureLimits { MaxFailures = -1 });
        await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync());
        Assert.Empty(server.Endpoints);
    }
}
