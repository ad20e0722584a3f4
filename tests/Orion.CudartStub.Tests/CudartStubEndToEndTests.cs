using System.Diagnostics;
using Orion.Cuda.Remote;
using Orion.Server.Core;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.CudartStub.Tests;

/// <summary>
/// The whole runtime path without a GPU: a C program calls the CUDA runtime API through
/// Orion's libcudart.so.13 (built with make) and liborion_client.so (NativeAOT), over TCP
/// loopback to an in-process server with the emulated device.
/// </summary>
public sealed class CudartStubEndToEndTests
{
    private static readonly TimeSpan ProgramTimeout = TimeSpan.FromSeconds(60);

    private static async Task<OrionServer> StartServerAsync(string? token = null, CapturingLoggerFactory? logs = null, int vgpus = 0)
    {
        var backend = GpuBackendProvider.CreateEmulated(new EmulatedDeviceOptions { Kernels = StubTestKernels.Create() });
        var options = new OrionServerOptions { AuthToken = token };
        if (vgpus > 0)
        {
            options.VGpus.Devices[0] = Orion.Server.Core.VGpus.DeviceVGpuOptions.Equal(vgpus);
        }
        // Port 0: the system picks a free port; the listener reports it.
        options.Endpoints.Add(new TransportEndpoint("tcp", "127.0.0.1", 0));
        var server = new OrionServer(backend, new TransportFactory().Add(new TcpTransport()), options, logs);
        await server.StartAsync();
        return server;
    }

    private static Dictionary<string, string> ClientEnvironment(string server, string? token = null) => new()
    {
        ["ORION_SERVER"] = server,
        ["ORION_CLIENT_LIB"] = NativeArtifacts.ClientLibrary,
        ["ORION_TOKEN"] = token ?? "",
        ["ORION_LOG_LEVEL"] = "warn",
        ["ORION_CONNECT_TIMEOUT_MS"] = "3000",
    };

    [Fact]
    public async Task RuntimeApiThroughTheStubWorksAgainstTheEmulatedDevice()
    {
        var logs = new CapturingLoggerFactory();
        await using var server = await StartServerAsync(logs: logs);
        var endpoint = server.Endpoints[0];
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, [], ProgramTimeout,
            ClientEnvironment($"{endpoint.Host}:{endpoint.Port}"), check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
        // The unsupported call the program makes is named once on stderr.
        Assert.Contains("orion: cudaGraphCreate is not supported by Orion", errors, StringComparison.Ordinal);
        // The program's exit closed its session cleanly (orion_shutdown from atexit): the server
        // saw no vanished peer, and has no session left.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (server.Sessions.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Empty(server.Sessions);
        Assert.DoesNotContain(logs.Warnings, warning => warning.Contains("transport failed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("on")]
    [InlineData("auto")]
    public async Task RuntimeApiThroughTheStubWorksWithCompressedChunks(string compression)
    {
        // The program's stream test copies 96 KiB each way: bulk chunks, with headers and (on) LZ4 blocks.
        await using var server = await StartServerAsync();
        var endpoint = server.Endpoints[0];
        var environment = ClientEnvironment($"{endpoint.Host}:{endpoint.Port}");
        environment["ORION_COMPRESSION"] = compression;
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, [], ProgramTimeout, environment, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheVGpuVariablesReachTheServerWhichPlacesOrRefusesTheProgram()
    {
        // The emulated device's 512 MiB as two vGPUs of 256 MiB and a 50% share each.
        var logs = new CapturingLoggerFactory();
        await using var server = await StartServerAsync(logs: logs, vgpus: 2);
        var endpoint = server.Endpoints[0];
        var environment = ClientEnvironment($"{endpoint.Host}:{endpoint.Port}");
        environment["ORION_VGPU_MEMORY"] = "200M";
        environment["ORION_VGPU_SHARE"] = "50";
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, [], ProgramTimeout, environment, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (server.VGpus.Any(vgpu => vgpu.SessionId is not null) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50); // the program's exit ends its session; the vGPU comes back with it
        }

        // More than a vGPU has: refused as busy (cudaErrorDevicesUnavailable), with the server's reason on stderr.
        environment["ORION_VGPU_MEMORY"] = "300M";
        (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, ["busy"], ProgramTimeout, environment, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("no vGPU with 300 MiB and a 50% compute share free on device 0: 0 of 2 vGPUs in use", errors, StringComparison.Ordinal);
        Assert.Contains(logs.Warnings, warning => warning.Contains("NoCapacity", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongTokenGivesNoDeviceAndAMessage()
    {
        await using var server = await StartServerAsync(token: "right");
        var endpoint = server.Endpoints[0];
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, ["no-server"], ProgramTimeout,
            ClientEnvironment($"{endpoint.Host}:{endpoint.Port}", token: "wrong"), check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("refused", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTokenMayComeFromORION_TOKEN_FILE()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // the client library is Linux only
        }
        await using var server = await StartServerAsync(token: "from-a-file");
        var endpoint = server.Endpoints[0];
        var path = Path.Combine(Path.GetTempPath(), "orion-stub-token-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, "from-a-file\n");
        try
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var environment = ClientEnvironment($"{endpoint.Host}:{endpoint.Port}");
            environment["ORION_TOKEN_FILE"] = path;
            var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, [], ProgramTimeout, environment, check: false);
            Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
            Assert.StartsWith("PASS ", output, StringComparison.Ordinal);

            // Readable by others: refused on the client's side with one line, before anything is sent.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
            (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, ["no-server"], ProgramTimeout, environment, check: false);
            Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
            Assert.Contains("orion: ORION_TOKEN_FILE: auth token file", errors, StringComparison.Ordinal);
            Assert.Contains("chmod 600", errors, StringComparison.Ordinal);
            Assert.DoesNotContain("from-a-file", errors.Replace(path, "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnreachableServerFailsFastWithNoDevice()
    {
        // A port nothing listens on: connection refused at once, no hang.
        var watch = Stopwatch.StartNew();
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, ["no-server"], ProgramTimeout,
            ClientEnvironment("127.0.0.1:1"), check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("orion: cannot reach tcp://127.0.0.1:1", errors, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    [Fact]
    public void MissingServerSettingIsReportedOnStderr()
    {
        var environment = ClientEnvironment("");
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.TestProgram, ["no-server"], ProgramTimeout,
            environment, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("orion: ORION_SERVER is not set", errors, StringComparison.Ordinal);
    }
}
