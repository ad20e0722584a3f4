using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.VGpus;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cli.Tests;

/// <summary>
/// <c>orion run --gpus N</c> and <c>orion smi</c>'s vGPU and session tables end to end: the built orion against servers
/// with emulated devices in this process (TCP loopback), one that does not divide its devices and one with vGPUs, while
/// another tenant's session holds a vGPU and memory.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OrionGpusProcessTests : IAsyncLifetime
{
    private const ulong MiB = 1024 * 1024;

    private static readonly Dictionary<string, string?> Clean = new()
    {
        ["ORION_SERVER"] = null,
        ["ORION_TOKEN"] = null,
        ["ORION_TOKEN_FILE"] = null,
        ["ORION_RUNTIME"] = null,
        ["ORION_MAX_DEVICES"] = null,
        ["TRITON_LIBCUDA_PATH"] = null,
    };

    private readonly string _runtime = Directory.CreateTempSubdirectory("orion-cli-gpus-").FullName;
    private readonly List<OrionServer> _servers = [];

    public Task InitializeAsync()
    {
        foreach (var file in RuntimeFolder.RequiredFiles)
        {
            File.WriteAllBytes(Path.Combine(_runtime, file), []);
        }
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
        Directory.Delete(_runtime, recursive: true);
    }

    /// <summary>A server with <paramref name="devices"/> emulated devices of 256 MiB; device 0 divided into <paramref name="vgpus"/> equal vGPUs when given.</summary>
    private async Task<string> StartServerAsync(int devices, int vgpus = 0, bool showAllSessions = false)
    {
        var backend = new EmulatedGpuBackend(new EmulatedDeviceOptions { DeviceCount = devices, MemoryBytes = 256 * MiB });
        var options = new OrionServerOptions { ShowAllSessions = showAllSessions };
        options.Endpoints.Add(new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0));
        if (vgpus > 0)
        {
            options.VGpus.Devices[0] = DeviceVGpuOptions.Equal(vgpus);
        }
        var server = new OrionServer(backend, new TransportFactory().Add(new TcpTransport()), options, NullLoggerFactory.Instance);
        await server.StartAsync();
        _servers.Add(server);
        return server.Endpoints[0].ToString();
    }

    /// <summary>Another tenant: a session named <paramref name="name"/> holding <paramref name="bytes"/> of device memory.</summary>
    private static async Task<RemoteCudaClient> TenantAsync(string endpoint, string name, ulong bytes)
    {
        var client = await RemoteCudaClient.ConnectAsync(new TransportFactory().Add(new TcpTransport()), TransportEndpoint.Parse(endpoint),
            new RemoteCudaClientOptions { ClientName = name });
        Assert.Equal(CudaStatus.Success, client.Allocate(bytes, out _));
        return client;
    }

    private Task<OrionProcess.Result> PrintEnvironmentAsync(string servers, params string[] options) =>
        OrionProcess.RunOrionAsync(["run", "--runtime", _runtime, "--server", servers, .. options, "--print-env"], Clean);

    private static Dictionary<string, string> Exports(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line["export ".Length..].Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1].Trim('\''));

    [Fact]
    public async Task Gpus_takes_the_first_servers_that_have_enough_devices_and_limits_the_program_to_N()
    {
        var first = await StartServerAsync(devices: 2);
        var second = await StartServerAsync(devices: 2);
        var third = await StartServerAsync(devices: 2);

        var result = await PrintEnvironmentAsync($"{first},{second},{third}", "--gpus", "3");
        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var exports = Exports(result.OutputText);
        Assert.Equal($"{first},{second}", exports["ORION_SERVER"]); // the third is not needed
        Assert.Equal("3", exports["ORION_MAX_DEVICES"]);

        // Without --gpus: every server, no limit.
        var all = Exports((await PrintEnvironmentAsync($"{first},{second}")).OutputText);
        Assert.Equal($"{first},{second}", all["ORION_SERVER"]);
        Assert.False(all.ContainsKey("ORION_MAX_DEVICES"));
    }

    [Fact]
    public async Task Gpus_refuses_in_one_line_when_the_servers_have_fewer()
    {
        var first = await StartServerAsync(devices: 2);
        var second = await StartServerAsync(devices: 1);

        var result = await OrionProcess.RunOrionAsync(
            ["run", "--runtime", _runtime, "--server", $"{first},{second}", "--gpus", "4", "--", "/bin/sh", "-c", "echo ran"], Clean);
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output); // the program never ran
        Assert.Equal($"orion: --gpus 4: only 3 GPUs available ({first} has 2 GPUs; {second} has 1 GPU)\n", result.Error);
    }

    [Fact]
    public async Task Gpus_on_a_server_with_vGPUs_opens_a_session_per_free_vGPU()
    {
        var server = await StartServerAsync(devices: 1, vgpus: 3);
        await using var tenant = await TenantAsync(server, "another tenant", 16 * MiB);

        // Two of the three vGPUs are free: the program gets the server twice, a vGPU per session.
        var result = await PrintEnvironmentAsync(server, "--gpus", "2");
        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var exports = Exports(result.OutputText);
        Assert.Equal($"{server},{server}", exports["ORION_SERVER"]);
        Assert.Equal("2", exports["ORION_MAX_DEVICES"]);

        var refused = await PrintEnvironmentAsync(server, "--gpus", "3");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"orion: --gpus 3: only 2 GPUs available ({server} has 2 free vGPUs (of 3))\n", refused.Error);

        // A request no vGPU has: the server refuses the question itself, saying what it has.
        var tooBig = await PrintEnvironmentAsync(server, "--gpus", "1", "--vgpu-memory", "1G");
        Assert.Equal(1, tooBig.ExitCode);
        Assert.StartsWith($"orion: {server} refused the session: ", tooBig.Error, StringComparison.Ordinal);
        Assert.Contains("no vGPU with 1 GiB free on device 0: 1 of 3 vGPUs in use", tooBig.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_gpu_count_is_a_usage_error_before_any_server_is_asked()
    {
        var result = await PrintEnvironmentAsync("tcp://127.0.0.1:1", "--gpus", "0");
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("orion: --gpus 0 is not a number of GPUs between 1 and 1024\n", result.Error);
    }

    [Fact]
    public async Task Smi_lists_the_vGPUs_free_or_held_and_by_default_only_its_own_session()
    {
        var server = await StartServerAsync(devices: 2, vgpus: 2);
        await using var tenant = await TenantAsync(server, "/usr/bin/python3 (pid 4242)", 16 * MiB);

        var result = await OrionProcess.RunOrionAsync(["smi", "--server", server], Clean);
        Assert.Equal("", result.Error);
        Assert.Equal(0, result.ExitCode);
        var text = result.OutputText;
        Assert.Contains("  vGPUs: 2, 0 free\n", text, StringComparison.Ordinal);
        Assert.Matches(@"\n +0 +0 +128 MiB +50 % +session [0-9]+\n", text);   // the tenant's, or
        Assert.Matches(@"\n +0 +1 +128 MiB +50 % +this query\n", text);       // smi's own (the tenant came first: vGPU 0)
        Assert.Contains("not divided: shared by any number of sessions", text, StringComparison.Ordinal);
        Assert.Contains("  sessions: 2 (1 not shown: this server lists other tenants' sessions only when started with --show-all-sessions)\n", text, StringComparison.Ordinal);
        Assert.Contains("orion smi (pid ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("python3", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smi_lists_every_session_with_its_vGPU_and_memory_where_the_server_shows_them()
    {
        var server = await StartServerAsync(devices: 1, vgpus: 2, showAllSessions: true);
        await using var tenant = await TenantAsync(server, "/usr/bin/python3 (pid 4242)", 16 * MiB);

        var result = await OrionProcess.RunOrionAsync(["smi", "--server", server], Clean);
        Assert.Equal(0, result.ExitCode);
        var lines = result.OutputText.Split('\n');
        Assert.Contains("  sessions: 2", lines);
        var header = Array.IndexOf(lines, "  sessions: 2") + 1;
        Assert.Matches(@"^    SESSION +CLIENT +VGPU +MEMORY USED$", lines[header]);
        Assert.Matches(@"^ +[0-9]+ +/usr/bin/python3 \(pid 4242\) +0 on device 0 +16 MiB$", lines[header + 1]);
        Assert.Matches(@"^ +[0-9]+ +orion smi \(pid [0-9]+\) \(this query\) +1 on device 0 +0 MiB$", lines[header + 2]);
    }

    [Fact]
    public async Task Smi_says_when_the_server_divides_nothing()
    {
        var server = await StartServerAsync(devices: 1);
        var result = await OrionProcess.RunOrionAsync(["smi", "--server", server], Clean);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("  vGPUs: none (the server does not divide its GPUs; every session may use all of them)\n", result.OutputText, StringComparison.Ordinal);
        Assert.Contains("  sessions: 1\n", result.OutputText, StringComparison.Ordinal);
    }
}
