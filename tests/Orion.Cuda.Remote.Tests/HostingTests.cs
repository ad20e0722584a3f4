using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Hosting;
using Orion.Server.Core.Isolation;
using Orion.Transport;
using Orion.Transport.InMemory;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary><c>services.AddOrionServer(configuration)</c> in a Generic Host: configured from a section, started and stopped with the host.</summary>
public sealed class HostingTests
{
    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static IHost BuildHost(TransportFactory transports, Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IGpuBackend>(_ => new EmulatedGpuBackend(new EmulatedDeviceOptions { Kernels = TestKernels.Create() }));
        builder.Services.AddSingleton(transports);
        services?.Invoke(builder.Services);
        builder.Services.AddOrionServer(builder.Configuration.GetSection("Orion"));
        return builder.Build();
    }

    [Fact]
    public async Task A_host_serves_clients_on_the_endpoints_of_its_configuration_and_ends_their_sessions_when_it_stops()
    {
        var transports = new TransportFactory().Add(new TcpTransport());
        var port = FreePort();
        var defaults = TransportOptions.Default with { };
        using var host = BuildHost(transports, new()
        {
            ["Orion:Endpoints:0"] = $"tcp://127.0.0.1:{port}",
            ["Orion:MaxSessions"] = "4",
            ["Orion:TransportOptions:IdleTimeout"] = "2m",
        });
        var service = host.Services.GetRequiredService<OrionServerHostedService>();
        Assert.Null(service.Server);
        await host.StartAsync();

        var server = Assert.IsType<OrionServer>(service.Server);
        Assert.Equal([new TransportEndpoint("tcp", "127.0.0.1", port)], server.Endpoints);
        Assert.Equal(TimeSpan.FromMinutes(2), host.Services.GetRequiredService<IOptions<OrionServerOptions>>().Value.TransportOptions.IdleTimeout);
        Assert.Equal(defaults, TransportOptions.Default); // the process-wide default is untouched

        var gpu = await RemoteGpu.ConnectAsync(transports, new TransportEndpoint("tcp", "127.0.0.1", port));
        TestKernels.AssertVectorAddWorks(gpu);
        Assert.Single(server.Sessions);

        await host.StopAsync();
        Assert.Null(service.Server);
        await WaitUntilAsync(() => !gpu.Client.IsConnected);
        Assert.Throws<ConnectionLostException>(gpu.Synchronize);
        await gpu.DisposeAsync();
    }

    [Fact]
    public async Task An_invalid_configuration_stops_the_start_with_one_line_naming_the_key()
    {
        using var host = BuildHost(new TransportFactory().Add(new InMemoryTransport()), new()
        {
            ["Orion:Endpoints:0"] = "tcp://127.0.0.1:99999",
        });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal("Orion:Endpoints:0: 'tcp://127.0.0.1:99999' is not an endpoint: port 99999 is out of range (1-65535)", error.Message);
        Assert.Null(host.Services.GetRequiredService<OrionServerHostedService>().Server);
    }

    [Fact]
    public async Task A_configuration_without_endpoints_is_refused_when_the_host_starts()
    {
        using var host = BuildHost(new TransportFactory().Add(new InMemoryTransport()), new() { ["Orion:MaxSessions"] = "2" });
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Equal("Orion:Endpoints: at least one endpoint to listen on is required (e.g. tcp://127.0.0.1:7000)", error.Message);
    }

    [Fact]
    public async Task vGPUs_of_the_configuration_place_sessions_and_one_larger_than_its_GPU_stops_the_start()
    {
        var transports = new TransportFactory().Add(new InMemoryTransport());
        var endpoint = "inproc://hosted-" + Guid.NewGuid().ToString("N");
        using var host = BuildHost(transports, new()
        {
            ["Orion:Endpoints"] = endpoint,
            ["Orion:VGpus:Devices:0:Count"] = "2",
        });
        await host.StartAsync();
        try
        {
            var server = host.Services.GetRequiredService<OrionServerHostedService>().Server!;
            Assert.Equal(2, server.VGpus.Count);
            await using var client = await RemoteCudaClient.ConnectAsync(transports, TransportEndpoint.Parse(endpoint),
                new RemoteCudaClientOptions { VGpu = new Orion.Cuda.Protocol.Wire.VGpuRequest(200UL << 20) });
            Assert.Equal(new Orion.Cuda.Protocol.Wire.VGpuAssignment(0, 0, 256UL << 20, 50), client.VGpu); // half the emulated 512 MiB
        }
        finally
        {
            await host.StopAsync();
        }

        using var tooLarge = BuildHost(transports, new()
        {
            ["Orion:Endpoints"] = "inproc://hosted-" + Guid.NewGuid().ToString("N"),
            ["Orion:VGpus:Devices:0:Slices:0:Memory"] = "1T",
        });
        var error = await Assert.ThrowsAsync<Orion.Server.Core.VGpus.VGpuConfigurationException>(() => tooLarge.StartAsync());
        Assert.StartsWith("device 0: vGPU 0 has 1 TiB; the device has 512 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_isolation_takes_the_worker_launcher_from_the_services()
    {
        var transports = new TransportFactory().Add(new InMemoryTransport());
        var endpoint = "inproc://hosted-" + Guid.NewGuid().ToString("N");
        using var host = BuildHost(transports, new()
        {
            ["Orion:Endpoints"] = endpoint,
            ["Orion:Isolation"] = "Process",
        }, services => services.AddSingleton<IWorkerLauncher>(provider =>
            new InProcessWorkerLauncher(new EmulatedGpuBackend(new EmulatedDeviceOptions { Kernels = TestKernels.Create() }), transports)));
        await host.StartAsync();
        try
        {
            await using var gpu = await RemoteGpu.ConnectAsync(transports, TransportEndpoint.Parse(endpoint));
            TestKernels.AssertVectorAddWorks(gpu);
            Assert.Single(host.Services.GetRequiredService<OrionServerHostedService>().Server!.Workers);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }
}
