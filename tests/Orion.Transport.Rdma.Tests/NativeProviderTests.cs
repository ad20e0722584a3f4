using Microsoft.Extensions.Logging;
using Orion.Transport.Rdma.Native;
using Orion.Transport.Tcp;

namespace Orion.Transport.Rdma.Tests;

/// <summary>
/// The native path on a host without an RDMA device (CI, this machine, the GPU host): discovery
/// says why there is none, RDMA refuses cleanly, and <c>auto://</c> falls back to TCP. Set
/// ORION_RDMA_EXPECT_DEVICE=1 on a host with an active RDMA port to assert the opposite.
/// </summary>
public sealed class NativeProviderTests
{
    private static bool ExpectDevice => Environment.GetEnvironmentVariable("ORION_RDMA_EXPECT_DEVICE") == "1";

    [Fact]
    public void Discovery_reports_whether_a_device_exists_and_why_not()
    {
        var devices = NativeVerbsProvider.Discover(out var reason);
        if (ExpectDevice)
        {
            Assert.NotEmpty(devices);
            return;
        }
        Assert.Empty(devices);
        Assert.False(string.IsNullOrWhiteSpace(reason));
        // One of the three honest answers: no shim, no rdma-core, or no device.
        Assert.Matches("shim|rdma-core|no RDMA device|not supported", reason);
    }

    [Fact]
    public void The_shim_ships_beside_the_assembly_where_it_can_be_built()
    {
        if (File.Exists("/usr/include/infiniband/verbs.h") && File.Exists("/usr/include/rdma/rdma_cma.h"))
        {
            Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "liborion_ibverbs.so")));
            Assert.True(ShimMethods.TryLoadLibrary(out var reason), reason);
            Assert.Equal(ShimMethods.AbiVersion, ShimMethods.AbiVersionOfLibrary());
        }
    }

    [Fact]
    public async Task Rdma_without_a_device_refuses_with_Unavailable_and_a_reason()
    {
        if (ExpectDevice)
        {
            return;
        }
        var transport = new RdmaTransport();
        Assert.False(transport.IsAvailable(out var reason));
        var listen = await Assert.ThrowsAsync<TransportException>(() =>
            transport.ListenAsync(new TransportEndpoint("rdma", "127.0.0.1", 0), TransportOptions.Default).AsTask());
        Assert.Equal(TransportError.Unavailable, listen.Error);
        Assert.Contains(reason, listen.Message, StringComparison.Ordinal);
        var connect = await Assert.ThrowsAsync<TransportException>(() =>
            transport.ConnectAsync(TransportEndpoint.Parse("rdma://127.0.0.1:7471"), TransportOptions.Default).AsTask());
        Assert.Equal(TransportError.Unavailable, connect.Error);
    }

    [Fact]
    public async Task Auto_falls_back_to_tcp_on_this_host_logs_why_and_works_end_to_end()
    {
        if (ExpectDevice)
        {
            return;
        }
        var log = new ListLogger();
        var factory = new TransportFactory().Add(new TcpTransport()).AddRdmaWithFallback(new RdmaTransport(), new TcpTransport(), log);

        var chosen = factory.Resolve(TransportEndpoint.Parse("auto://127.0.0.1:7000"));

        Assert.Equal("tcp", chosen.Schemes[0]); // the TCP transport, which serves tls:// too
        var line = Assert.Single(log.Lines);
        Assert.Contains("uses tcp", line, StringComparison.Ordinal);
        Assert.Contains("RDMA unavailable", line, StringComparison.Ordinal);

        await using var listener = await factory.ListenAsync(new TransportEndpoint("auto", "127.0.0.1", 0));
        Assert.Equal("tcp", listener.Endpoint.Scheme);
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await factory.ConnectAsync(new TransportEndpoint("auto", "127.0.0.1", listener.Endpoint.Port));
        await using var server = await accept.WaitAsync(TimeSpan.FromSeconds(10));
        await client.SendAsync("over tcp"u8.ToArray());
        Assert.Equal("over tcp"u8.ToArray(), System.Buffers.BuffersExtensions.ToArray(await server.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public void Auto_picks_rdma_when_the_provider_has_a_device()
    {
        var log = new ListLogger();
        var software = RdmaTransport.CreateSoftware(); // the software provider always reports a device
        var chosen = RdmaTransportSelection.Choose(TransportEndpoint.Parse("auto://localhost:9"), software, new TcpTransport(), log);
        Assert.Equal([RdmaTransport.SoftwareScheme], chosen!.Schemes);
        Assert.Contains("uses rdma+soft", Assert.Single(log.Lines), StringComparison.Ordinal);
        Assert.Null(RdmaTransportSelection.Choose(TransportEndpoint.Parse("tcp://localhost:9"), software, new TcpTransport(), log));
    }

    [Fact]
    public void Rdma_scheme_forces_rdma_even_when_unavailable()
    {
        var factory = new TransportFactory().Add(new TcpTransport()).AddRdmaWithFallback(new RdmaTransport(), new TcpTransport());
        Assert.IsType<RdmaTransport>(factory.Resolve(TransportEndpoint.Parse("rdma://127.0.0.1:7471")));
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Lines.Add(formatter(state, exception));
    }
}
