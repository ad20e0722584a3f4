using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cli.Tests;

/// <summary>
/// <c>orion smi</c> end to end: the built orion against a server with the emulated device in this process (TCP
/// loopback), against a port where nothing listens, and against a listener that never answers.
/// </summary>
public sealed class OrionSmiProcessTests : IAsyncLifetime
{
    private const ulong MemoryBytes = 256UL * 1024 * 1024;

    private static readonly Dictionary<string, string?> Clean = new() { ["ORION_SERVER"] = null, ["ORION_TOKEN"] = null };

    private OrionServer _server = null!;

    public async Task InitializeAsync()
    {
        var backend = new EmulatedGpuBackend(new EmulatedDeviceOptions { DeviceCount = 2, MemoryBytes = MemoryBytes });
        var options = new OrionServerOptions();
        options.Endpoints.Add(new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0));
        _server = new OrionServer(backend, new TransportFactory().Add(new TcpTransport()), options, NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static void AssertOneLine(string error, string expected)
    {
        Assert.StartsWith("orion: ", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smi_prints_each_emulated_device_with_its_memory_then_the_server()
    {
        var endpoint = _server.Endpoints[0].ToString();
        var result = await OrionProcess.RunOrionAsync(["smi", "--server", endpoint], Clean);
        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var lines = result.OutputText.TrimEnd('\n').Split('\n');
        Assert.Equal(8, lines.Length);
        Assert.StartsWith("GPU  NAME", lines[0], StringComparison.Ordinal);
        for (var device = 0; device < 2; device++)
        {
            var row = lines[1 + device];
            Assert.StartsWith($"  {device}  {EmulatedGpuBackend.DeviceName}", row, StringComparison.Ordinal);
            Assert.Contains("GPU-", row, StringComparison.Ordinal);
            Assert.Contains("256 MiB", row, StringComparison.Ordinal);
            Assert.Contains(" 0 MiB", row, StringComparison.Ordinal); // this session holds nothing
        }
        Assert.StartsWith($"server {endpoint}: {EmulatedGpuBackend.DeviceName} x2", lines[3], StringComparison.Ordinal);
        Assert.Contains("orion-emulated", lines[3], StringComparison.Ordinal);
        Assert.EndsWith("CUDA 13.0", lines[3], StringComparison.Ordinal);
        // The server divides nothing; its one session is smi's own query.
        Assert.Equal("  vGPUs: none (the server does not divide its GPUs; every session may use all of them)", lines[4]);
        Assert.Equal("  sessions: 1", lines[5]);
        Assert.Matches(@"^ +[0-9]+ +orion smi \(pid [0-9]+\) \(this query\) +- +0 MiB$", lines[7]);
    }

    [Fact]
    public async Task Smi_takes_the_server_from_the_environment()
    {
        var result = await OrionProcess.RunOrionAsync(["smi"], new Dictionary<string, string?>(Clean) { ["ORION_SERVER"] = _server.Endpoints[0].ToString() });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(EmulatedGpuBackend.DeviceName, result.OutputText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_is_one_line_with_the_endpoint_and_the_reason_quickly()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var endpoint = string.Create(CultureInfo.InvariantCulture, $"tcp://127.0.0.1:{port}");
        var result = await OrionProcess.RunOrionAsync(["smi", "--server", endpoint], Clean);
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal($"orion: cannot reach {endpoint}: Connection refused\n", result.Error);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(5), $"took {result.Elapsed}");
    }

    [Fact]
    public async Task A_server_that_never_answers_is_given_up_at_the_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the kernel's backlog) and never says a word
        var endpoint = string.Create(CultureInfo.InvariantCulture, $"tcp://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");
        var result = await OrionProcess.RunOrionAsync(["smi", "--server", endpoint, "--timeout", "1"], Clean);
        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"orion: {endpoint} did not answer within 1 s\n", result.Error);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(6), $"took {result.Elapsed}");
    }

    [Fact]
    public async Task No_server_is_one_line_and_exit_code_2()
    {
        var result = await OrionProcess.RunOrionAsync(["smi"], Clean);
        Assert.Equal(2, result.ExitCode);
        AssertOneLine(result.Error, "no server: give one with --server URL");
    }
}
