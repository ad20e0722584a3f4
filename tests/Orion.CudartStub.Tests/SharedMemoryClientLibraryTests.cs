using Orion.Server.Core;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.SharedMemory;
using Orion.Transport.Tcp;

namespace Orion.CudartStub.Tests;

/// <summary>
/// The NativeAOT client library over shared memory: a C program through Orion's libcudart.so.13 and
/// liborion_client.so, with ORION_SERVER=shm:///socket, and with auto://host:port finding the server's
/// socket for that port on this host (ORION_SHM_DIR) and saying so.
/// </summary>
public sealed class SharedMemoryClientLibraryTests : IDisposable
{
    private static readonly TimeSpan ProgramTimeout = TimeSpan.FromSeconds(60);

    private readonly string _socketDirectory = Directory.CreateTempSubdirectory("orion-shm-native-").FullName;

    private async Task<OrionServer> StartServerAsync(params TransportEndpoint[] endpoints)
    {
        var backend = GpuBackendProvider.CreateEmulated(new EmulatedDeviceOptions { Kernels = StubTestKernels.Create() });
        var options = new OrionServerOptions();
        foreach (var endpoint in endpoints)
        {
            options.Endpoints.Add(endpoint);
        }
        var transports = new TransportFactory().Add(new TcpTransport())
            .Add(new SharedMemoryTransport(new SharedMemoryTransportSettings { SocketDirectory = _socketDirectory }));
        var server = new OrionServer(backend, transports, options);
        await server.StartAsync();
        return server;
    }

    private Dictionary<string, string> ClientEnvironment(string server) => new()
    {
        ["ORION_SERVER"] = server,
        ["ORION_CLIENT_LIB"] = NativeArtifacts.ClientLibrary,
        ["ORION_TOKEN"] = "",
        ["ORION_LOG_LEVEL"] = "info",
        ["ORION_CONNECT_TIMEOUT_MS"] = "3000",
        [SharedMemoryTransportSettings.SocketDirectoryVariable] = _socketDirectory,
    };

    [Fact]
    public async Task The_runtime_api_works_over_shm_by_socket_path()
    {
        var socket = Path.Combine(_socketDirectory, "orion.sock");
        await using var server = await StartServerAsync(new TransportEndpoint("shm", socket, 0));
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, [], ProgramTimeout,
            ClientEnvironment("shm://" + socket), check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_picks_shm_for_a_server_on_this_host_and_says_so()
    {
        await using var tcpOnly = await StartServerAsync(new TransportEndpoint("tcp", "127.0.0.1", 0));
        var port = tcpOnly.Endpoints[0].Port;
        await tcpOnly.DisposeAsync();
        await using var server = await StartServerAsync(new TransportEndpoint("tcp", "127.0.0.1", port), new TransportEndpoint("shm", "localhost", port));
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, [], ProgramTimeout,
            ClientEnvironment($"auto://127.0.0.1:{port}"), check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
        Assert.Contains("uses shm", errors, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_socketDirectory, recursive: true);
}
