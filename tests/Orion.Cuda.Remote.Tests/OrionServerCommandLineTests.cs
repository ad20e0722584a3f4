using System.Security.Cryptography.X509Certificates;
using System.Net;
using System.Net.Sockets;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// orion-server's authentication options, run as the real program (emulated device): no token on the command line,
/// tokens from a file or the environment, and no listening beyond loopback without one unless told to.
/// </summary>
public sealed class OrionServerCommandLineTests : IDisposable
{
    private const string Secret = "cmdline-4d9e2b-secret";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // process start on a busy 2-core CI machine
    private readonly string _directory = Directory.CreateTempSubdirectory("orion-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

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

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Any, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static void AssertOneErrorLine(string output, params string[] expected)
    {
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("crit:", StringComparison.Ordinal));
        foreach (var text in expected)
        {
            Assert.Contains(text, line, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--token", Secret)]
    [InlineData("--token=" + Secret)]
    [InlineData("--token")]
    public async Task A_token_on_the_command_line_is_refused_with_why_and_what_to_use(params string[] tokenArguments)
    {
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated", .. tokenArguments], Patience);
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, "--token is not accepted", "/proc/<pid>/cmdline", "--token-file", "ORION_TOKEN_FILE");
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
        Assert.DoesNotContain("ready", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_loopback_listen_address_without_a_token_is_refused_naming_both_ways_out()
    {
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated", "--listen", "tcp://0.0.0.0:7000"], Patience);
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, "Refusing to listen on tcp://0.0.0.0:7000", "--token-file", "--allow-unauthenticated");
    }

    [Fact]
    public async Task A_non_loopback_listen_address_without_tls_is_refused_naming_both_ways_out()
    {
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated", "--listen", "tcp://0.0.0.0:7000", "--token-file", TokenFile(Secret)], Patience);
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, "Refusing to listen on tcp://0.0.0.0:7000 without TLS", "tls://0.0.0.0:7000", "--tls-certificate", "--allow-unencrypted");

        (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated", "--listen", "tls://0.0.0.0:7000", "--token-file", TokenFile(Secret)], Patience);
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, "Cannot listen on tls://0.0.0.0:7000: TLS needs a certificate (--tls-certificate FILE");
    }

    [Fact]
    public async Task With_a_certificate_it_serves_tls_beyond_loopback_and_the_client_verifies_it()
    {
        using var certificate = Orion.Transport.Tests.Tls.TestCertificates.CreateSelfSigned();
        var certificateFile = TokenFile(certificate.ExportCertificatePem());
        var keyFile = TokenFile(certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var port = FreePort();
        using var server = OrionServerProgram.Start(["--emulated", "--listen", $"tls://0.0.0.0:{port}", "--token-file", TokenFile(Secret),
            "--tls-certificate", certificateFile, "--tls-key", keyFile]);
        await server.WaitForOutputAsync("auth token required", Patience);

        var transports = new TransportFactory().Add(new TcpTransport());
        var endpoint = new TransportEndpoint(TcpTransport.TlsScheme, "127.0.0.1", port);
        var untrusted = await Assert.ThrowsAsync<ServerUnreachableException>(() =>
            RemoteCudaClient.ConnectAsync(transports, endpoint, new RemoteCudaClientOptions { AuthToken = Secret }));
        Assert.Contains("not trusted", untrusted.Message, StringComparison.Ordinal);
        await using var client = await RemoteCudaClient.ConnectAsync(transports, endpoint, new RemoteCudaClientOptions
        {
            AuthToken = Secret,
            TransportOptions = new TransportOptions { Tls = new TransportTlsOptions { TrustedCertificates = [certificate] } },
        });
        Assert.Equal(CudaStatus.Success, client.Synchronize());
    }

    [Fact]
    public async Task An_out_of_range_listen_port_is_refused_as_such_in_one_line()
    {
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated", "--listen", "tcp://127.0.0.1:99999"], Patience);
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, "Invalid --listen endpoint 'tcp://127.0.0.1:99999': port 99999 is out of range (1-65535)");
    }

    [Fact]
    public async Task An_invalid_configuration_is_refused_in_one_line_naming_the_key()
    {
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated", "--device", "0", "--device", "0"], Patience);
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, "Invalid configuration: Orion:Devices: a device is listed twice");
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task The_default_listen_address_is_loopback()
    {
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--help"], Patience);
        Assert.Equal(0, exitCode);
        Assert.Contains("[default: tcp://127.0.0.1:7000]", output, StringComparison.Ordinal);
        Assert.Contains("--token-file", output, StringComparison.Ordinal);
        Assert.Contains("--allow-unauthenticated", output, StringComparison.Ordinal);
        Assert.DoesNotContain("--token ", output, StringComparison.Ordinal); // kept only to refuse it, hidden
    }

    [Fact]
    public async Task A_token_file_others_can_read_is_refused()
    {
        var path = TokenFile(Secret + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated", "--token-file", path], Patience);
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, path, "chmod 600");
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_token_variables_together_are_refused()
    {
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated"], Patience,
            new Dictionary<string, string> { ["ORION_TOKEN"] = Secret, ["ORION_TOKEN_FILE"] = TokenFile(Secret) });
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, "ORION_TOKEN and ORION_TOKEN_FILE are both set");
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
    }

    public static TheoryData<string> TokenSources => ["--token-file", "ORION_TOKEN_FILE", "ORION_TOKEN"];

    [Theory]
    [MemberData(nameof(TokenSources))]
    public async Task A_token_from_a_file_or_the_environment_lets_it_listen_beyond_loopback_and_is_required(string source)
    {
        var port = FreePort();
        List<string> arguments = ["--emulated", "--listen", $"tcp://0.0.0.0:{port}", "--allow-unencrypted"];
        var environment = new Dictionary<string, string>();
        switch (source)
        {
            case "--token-file":
                arguments.AddRange(["--token-file", TokenFile(Secret + "\n")]);
                break;
            case "ORION_TOKEN_FILE":
                environment["ORION_TOKEN_FILE"] = TokenFile(Secret + "\n");
                break;
            default:
                environment["ORION_TOKEN"] = Secret;
                break;
        }
        using var server = OrionServerProgram.Start(arguments, environment);
        await server.WaitForOutputAsync("auth token required", Patience);

        var transports = new TransportFactory().Add(new TcpTransport());
        var endpoint = new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", port);
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() =>
            RemoteCudaClient.ConnectAsync(transports, endpoint, new RemoteCudaClientOptions { AuthToken = "guess" }));
        Assert.Equal(HandshakeStatus.AuthenticationFailed, refused.Status);
        await using (var client = await RemoteCudaClient.ConnectAsync(transports, endpoint, new RemoteCudaClientOptions { AuthToken = Secret }))
        {
            Assert.Equal(CudaStatus.Success, client.Synchronize());
        }
        Assert.DoesNotContain(Secret, server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Allow_unauthenticated_lets_it_listen_beyond_loopback_without_a_token()
    {
        var port = FreePort();
        using var server = OrionServerProgram.Start(["--emulated", "--listen", $"tcp://0.0.0.0:{port}", "--allow-unauthenticated", "--allow-unencrypted"]);
        await server.WaitForOutputAsync("no auth token", Patience);
        Assert.Contains("without authentication (AllowUnauthenticated)", server.Output, StringComparison.Ordinal);
        var transports = new TransportFactory().Add(new TcpTransport());
        await using var client = await RemoteCudaClient.ConnectAsync(transports, new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", port));
        Assert.Equal(CudaStatus.Success, client.Synchronize());
    }

    [Theory]
    [InlineData(new[] { "--vgpus", "0=abc" }, "Invalid vGPU configuration: --vgpus '0=abc' is not DEVICE=COUNT")]
    [InlineData(new[] { "--vgpu-slice", "0=1T:50" }, "Invalid vGPU configuration: device 0: vGPU 0 has 1 TiB; the device has 512 MiB")]
    [InlineData(new[] { "--vgpus", "3=2" }, "Invalid vGPU configuration: vGPUs are configured for device 3, which the server does not expose (it exposes 0)")]
    [InlineData(new[] { "--memory-oversubscription", "150" }, "Invalid vGPU configuration: memory oversubscription 150 is not a ratio between 1 (none) and 16")]
    public async Task A_vGPU_configuration_that_cannot_work_is_one_line_and_exit_code_2(string[] vgpuArguments, string expected)
    {
        var (exitCode, output) = await OrionServerProgram.RunAsync(["--emulated", "--listen", $"tcp://127.0.0.1:{FreePort()}", .. vgpuArguments], Patience);
        Assert.Equal(2, exitCode);
        AssertOneErrorLine(output, expected);
    }

    [Fact]
    public async Task vGPUs_from_a_file_and_the_environment_place_sessions_on_worker_processes()
    {
        // The file divides device 0 in 4; the environment, a later source, in 2: each vGPU has 256 of the 512 MiB.
        var config = Path.Combine(_directory, "orion.json");
        File.WriteAllText(config, """{ "Orion": { "VGpus": { "Devices": { "0": { "Count": 4 } } } } }""");
        var port = FreePort();
        using var server = OrionServerProgram.Start(["--emulated", "--isolation", "process", "--listen", $"tcp://127.0.0.1:{port}", "--config", config],
            new Dictionary<string, string> { ["ORION_VGPUS"] = "0=2" });
        await server.WaitForOutputAsync("vGPU 1 of device 0: 256 MiB, 50% compute share", Patience);

        var transports = new TransportFactory().Add(new TcpTransport());
        var endpoint = new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", port);
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() =>
            RemoteCudaClient.ConnectAsync(transports, endpoint, new RemoteCudaClientOptions { VGpu = new VGpuRequest(300UL << 20) }));
        Assert.Equal(HandshakeStatus.NoCapacity, refused.Status);
        Assert.Contains("no vGPU with 300 MiB free on device 0: 0 of 2 vGPUs in use", refused.Message, StringComparison.Ordinal);

        await using var client = await RemoteCudaClient.ConnectAsync(transports, endpoint, new RemoteCudaClientOptions { VGpu = new VGpuRequest(200UL << 20) });
        Assert.Equal(new VGpuAssignment(0, 0, 256UL << 20, 50), client.VGpu); // from the worker process's welcome
        Assert.Equal(CudaStatus.Success, client.GetMemoryInfo(out _, out var total));
        Assert.Equal(256UL << 20, total);
        Assert.Equal(CudaStatus.OutOfMemory, client.Allocate((256UL << 20) + 1, out _));
    }
}
