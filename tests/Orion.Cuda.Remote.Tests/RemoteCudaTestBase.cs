using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Runs a server with the emulated device and connects clients to it over the transport a subclass
/// chooses (in-memory, TCP loopback; the RDMA tests add theirs). Every test of
/// <see cref="RemoteCudaEndToEndTests"/> runs once per transport.
/// </summary>
public abstract class RemoteCudaTestBase : IAsyncLifetime
{
    private readonly List<OrionServer> _servers = [];
    private readonly List<IAsyncDisposable> _clients = [];

    /// <summary>The factory both servers and clients use (in-memory needs one shared instance); made in <see cref="InitializeAsync"/>,
    /// so a subclass's constructor has run before <see cref="CreateTransports"/> is called.</summary>
    protected TransportFactory Transports { get; private set; } = null!;

    /// <summary>The transport(s) under test.</summary>
    protected abstract TransportFactory CreateTransports();

    /// <summary>A fresh endpoint to listen on (port 0 for TCP).</summary>
    protected abstract TransportEndpoint CreateListenEndpoint();

    /// <summary>Small chunks so that modest copies already cross many chunk boundaries.</summary>
    protected virtual int ChunkBytes => 64 * 1024;

    protected EmulatedGpuBackend Backend { get; private set; } = null!;

    protected OrionServer Server { get; private set; } = null!;

    protected RemoteGpu Gpu { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        Transports = CreateTransports();
        (Server, Backend) = await StartServerAsync();
        Gpu = new RemoteGpu(await ConnectAsync(Server));
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    protected async Task<(OrionServer Server, EmulatedGpuBackend Backend)> StartServerAsync(
        Action<OrionServerOptions>? configure = null, int deviceCount = 1, int endpointCount = 1, Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null,
        Action<EmulatedOperation>? observer = null)
    {
        var backend = new EmulatedGpuBackend(new EmulatedDeviceOptions
        {
            DeviceCount = deviceCount,
            MemoryBytes = 256UL * 1024 * 1024,
            Kernels = TestKernels.Create(),
            Observer = observer,
        });
        var options = new OrionServerOptions { ChunkBytes = ChunkBytes };
        for (var i = 0; i < endpointCount; i++)
        {
            options.Endpoints.Add(CreateListenEndpoint());
        }
        configure?.Invoke(options);
        var server = new OrionServer(backend, Transports, options, loggerFactory ?? NullLoggerFactory.Instance);
        await server.StartAsync();
        _servers.Add(server);
        return (server, backend);
    }

    protected async Task<RemoteCudaClient> ConnectAsync(OrionServer server, RemoteCudaClientOptions? options = null, int endpoint = 0)
    {
        var client = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[endpoint], options ?? new RemoteCudaClientOptions { ClientName = GetType().Name });
        _clients.Add(client);
        return client;
    }

    /// <summary>A connection that has done the handshake and nothing else, for tests that send records by hand.</summary>
    protected async Task<TransportConnection> OpenRawSessionAsync(string clientName)
    {
        var connection = await Transports.ConnectAsync(Server.Endpoints[0]);
        using var hello = new ProtocolWriter();
        new ClientHello(ProtocolLimits.Version, ProtocolFeatures.None, "", clientName).Encode(hello);
        await connection.SendAsync(hello.WrittenMemory);
        var welcome = ServerWelcome.Decode((await connection.ReceiveAsync()).ToArray());
        Assert.Equal(HandshakeStatus.Accepted, welcome.Status);
        return connection;
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds; sessions end on their own threads.</summary>
    protected static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }
            await Task.Delay(10);
        }
    }
}
