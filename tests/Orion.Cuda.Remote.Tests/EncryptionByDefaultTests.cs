using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Server.Core.Tls;
using Orion.Transport;
using Orion.Transport.Tcp;
using Orion.Transport.Tests.Tls;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// TLS by default off loopback (issue 13, point 6): a server refuses to listen in clear where other hosts can reach it
/// unless told to; over <c>tls://</c>, with its certificate from files, sessions work in both isolation modes; the client
/// verifies the server and refuses an untrusted one with one line; a plain peer and a TLS peer fail against each other
/// quickly; and the token never crosses the network in clear.
/// </summary>
public sealed class EncryptionByDefaultTests : IAsyncLifetime
{
    private const string Token = "tls-token-7c1f0e-not-in-clear";
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(10);
    private readonly TransportFactory _transports = new TransportFactory().Add(new TcpTransport());
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("orion-tls-").FullName;
    private readonly X509Certificate2 _certificate = TestCertificates.CreateSelfSigned();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
        _certificate.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>"scheme://host:0" (port 0: the system picks one, which TransportEndpoint.Parse does not take).</summary>
    private static TransportEndpoint Endpoint(string text)
    {
        var parsed = TransportEndpoint.Parse(text.Replace(":0", ":1", StringComparison.Ordinal));
        return parsed with { Port = 0 };
    }

    private static EmulatedGpuBackend Backend() => new(new EmulatedDeviceOptions { MemoryBytes = 64UL << 20, Kernels = TestKernels.Create() });

    /// <summary>The certificate and its key as PEM files, the key readable by its owner only.</summary>
    private TlsCertificateOptions PemFiles()
    {
        var certificate = Path.Combine(_directory, "server.crt");
        var key = Path.Combine(_directory, "server.key");
        File.WriteAllText(certificate, _certificate.ExportCertificatePem());
        File.WriteAllText(key, _certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return new TlsCertificateOptions(certificate, key);
    }

    private async Task<OrionServer> StartAsync(string endpoint, Action<OrionServerOptions>? configure = null)
    {
        var backend = Backend();
        var options = new OrionServerOptions { AuthToken = Token };
        options.Endpoints.Add(Endpoint(endpoint));
        configure?.Invoke(options);
        var server = new OrionServer(backend, _transports, options, NullLoggerFactory.Instance);
        _owned.Add(new Owned(async () => { await server.DisposeAsync(); backend.Dispose(); }));
        await server.StartAsync();
        return server;
    }

    private RemoteCudaClientOptions TrustingClient(string token = Token) => new()
    {
        AuthToken = token,
        TransportOptions = new TransportOptions { Tls = new TransportTlsOptions { TrustedCertificates = [_certificate] } },
    };

    private static TransportEndpoint Local(OrionServer server, string scheme = "tls") => new(scheme, "127.0.0.1", server.Endpoints[0].Port);

    [Theory]
    [InlineData("tcp://0.0.0.0:0")]
    [InlineData("tcp://[::]:0")]
    [InlineData("rdma://0.0.0.0:0")]
    public async Task A_reachable_endpoint_without_tls_is_refused_and_nothing_listens(string endpoint)
    {
        var backend = Backend();
        var options = new OrionServerOptions { AuthToken = Token };
        options.Endpoints.Add(new TransportEndpoint("tcp", "127.0.0.1", 0)); // loopback in clear is fine, and listed first
        options.Endpoints.Add(Endpoint(endpoint));
        await using var server = new OrionServer(backend, _transports, options, NullLoggerFactory.Instance);
        var refused = await Assert.ThrowsAsync<UnencryptedEndpointException>(() => server.StartAsync());
        Assert.Equal(Endpoint(endpoint), refused.Endpoint);
        Assert.Contains("without TLS", refused.Message, StringComparison.Ordinal);
        Assert.Contains("AllowUnencrypted", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        Assert.Empty(server.Endpoints);
        backend.Dispose();
    }

    [Fact]
    public async Task A_tls_endpoint_without_a_certificate_is_refused()
    {
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync("tls://127.0.0.1:0"));
        Assert.Contains("TLS needs a certificate", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_runs_over_tls_off_loopback_with_the_certificate_from_pem_files()
    {
        var server = await StartAsync("tls://0.0.0.0:0", options => options.Tls = PemFiles());
        await using var client = await RemoteCudaClient.ConnectAsync(_transports, Local(server), TrustingClient());
        using var gpu = new RemoteGpu(client);
        var data = Enumerable.Range(0, 100_000).ToArray();
        using var buffer = gpu.Upload<int>(data);
        Assert.Equal(data, buffer.ToArray());
    }

    [Fact]
    public async Task A_session_runs_over_tls_in_process_isolation_its_worker_presenting_the_same_certificate()
    {
        var pfx = Path.Combine(_directory, "server.pfx");
        File.WriteAllBytes(pfx, _certificate.Export(X509ContentType.Pkcs12));
        var workerBackend = Backend();
        _owned.Add(new Owned(() => { workerBackend.Dispose(); return ValueTask.CompletedTask; }));
        var server = await StartAsync("tls://127.0.0.1:0", options =>
        {
            options.Tls = new TlsCertificateOptions(pfx);
            options.Isolation = SessionIsolation.Process;
            options.WorkerLauncher = new InProcessWorkerLauncher(workerBackend, _transports);
        });
        // Dialled by name: the worker's endpoint is an address, but the client verifies it by the name it dialled.
        var endpoint = new TransportEndpoint("tls", "localhost", server.Endpoints[0].Port);
        await using var client = await RemoteCudaClient.ConnectAsync(_transports, endpoint, TrustingClient());
        Assert.Single(server.Workers);
        using var gpu = new RemoteGpu(client);
        using var buffer = gpu.Upload<int>([7, 8, 9]);
        Assert.Equal(new[] { 7, 8, 9 }, buffer.ToArray());
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_server_is_refused_with_one_clear_line()
    {
        var server = await StartAsync("tls://127.0.0.1:0", options => options.Tls = PemFiles());
        var stopwatch = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<ServerUnreachableException>(() =>
            RemoteCudaClient.ConnectAsync(_transports, Local(server), new RemoteCudaClientOptions { AuthToken = Token }));
        Assert.True(stopwatch.Elapsed < Quickly);
        Assert.StartsWith($"cannot reach {Local(server)}: TLS: the server is not trusted: its certificate (CN=orion-test-server) is not trusted by this system", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        // The server's side of the failed handshake ends on its own thread: nothing is left of it once it has.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (server.Sessions.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Empty(server.Sessions);
    }

    [Fact]
    public async Task A_plain_client_against_a_tls_server_fails_quickly_and_is_told_to_use_tls()
    {
        var server = await StartAsync("tls://127.0.0.1:0", options => options.Tls = PemFiles());
        var stopwatch = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() =>
            RemoteCudaClient.ConnectAsync(_transports, Local(server, "tcp"), new RemoteCudaClientOptions { AuthToken = Token }));
        Assert.True(stopwatch.Elapsed < Quickly, $"took {stopwatch.Elapsed}");
        Assert.Contains("connect with tls://", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tls_client_against_a_plain_server_fails_quickly_and_says_so()
    {
        var server = await StartAsync("tcp://127.0.0.1:0");
        var stopwatch = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<ServerUnreachableException>(() =>
            RemoteCudaClient.ConnectAsync(_transports, Local(server, "tls"), TrustingClient()));
        Assert.True(stopwatch.Elapsed < Quickly, $"took {stopwatch.Elapsed}");
        Assert.Contains("is the server listening with tls://", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_never_crosses_the_network_in_clear_over_tls()
    {
        // The relay sees every byte; over plain TCP it does see the token, which proves it captures what matters.
        var plain = await StartAsync("tcp://127.0.0.1:0");
        await using (var relay = await Relay.StartAsync(plain.Endpoints[0].Port))
        {
            await using (var client = await RemoteCudaClient.ConnectAsync(_transports, new TransportEndpoint("tcp", "127.0.0.1", relay.Port), new RemoteCudaClientOptions { AuthToken = Token }))
            {
                Assert.Equal(CudaStatus.Success, client.Synchronize());
            }
            Assert.Contains(Token, relay.CapturedText(), StringComparison.Ordinal);
        }

        var encrypted = await StartAsync("tls://127.0.0.1:0", options => options.Tls = PemFiles());
        await using (var relay = await Relay.StartAsync(encrypted.Endpoints[0].Port))
        {
            await using (var client = await RemoteCudaClient.ConnectAsync(_transports, new TransportEndpoint("tls", "127.0.0.1", relay.Port), TrustingClient()))
            {
                Assert.Equal(CudaStatus.Success, client.Synchronize());
            }
            var captured = relay.CapturedText();
            Assert.True(captured.Length > 1000, $"the relay captured {captured.Length} bytes");
            Assert.DoesNotContain(Token, captured, StringComparison.Ordinal);
            Assert.DoesNotContain("tls-token", captured, StringComparison.Ordinal);
        }
    }

    private sealed class Owned(Func<ValueTask> dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => dispose();
    }

    /// <summary>A TCP relay on loopback that forwards one connection both ways and keeps every byte it forwarded.</summary>
    private sealed class Relay : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly MemoryStream _captured = new();
        private readonly Task _serving;
        private readonly CancellationTokenSource _stop = new();

        private Relay(TcpListener listener, int target)
        {
            _listener = listener;
            _serving = ServeAsync(target);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static Task<Relay> StartAsync(int target)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return Task.FromResult(new Relay(listener, target));
        }

        public string CapturedText()
        {
            lock (_captured)
            {
                return Encoding.Latin1.GetString(_captured.ToArray());
            }
        }

        private async Task ServeAsync(int target)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    var server = new TcpClient();
                    await server.ConnectAsync(IPAddress.Loopback, target);
                    _ = PumpAsync(client.GetStream(), server.GetStream(), client, server);
                    _ = PumpAsync(server.GetStream(), client.GetStream(), server, client);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }

        private async Task PumpAsync(NetworkStream from, NetworkStream to, TcpClient source, TcpClient destination)
        {
            var buffer = new byte[64 * 1024];
            try
            {
                int read;
                while ((read = await from.ReadAsync(buffer)) > 0)
                {
                    lock (_captured)
                    {
                        _captured.Write(buffer, 0, read);
                    }
                    await to.WriteAsync(buffer.AsMemory(0, read));
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
            {
            }
            finally
            {
                source.Dispose();
                destination.Dispose();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving;
            _stop.Dispose();
        }
    }
}
