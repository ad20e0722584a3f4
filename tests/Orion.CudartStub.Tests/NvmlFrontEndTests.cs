using System.Text.RegularExpressions;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.CudartStub.Tests;

/// <summary>
/// The libnvidia-ml.so.1 replacement (native/nvml_front_end): its own checks (`make test`: exactly NVML's 404
/// unversioned names, the C API test against the mock client, an unsupported function answering 3 and logging
/// once), and C programs against liborion_client.so and a server with the emulated device: NVML beside Orion's
/// libcuda.so.1 in one process (one session: what the driver allocates is what NVML reports, never another
/// session's memory, and the process list holds only this process), and the query program the GPU host compares
/// with NVIDIA's NVML.
/// </summary>
public sealed class NvmlFrontEndTests
{
    private const long MiB = 1024 * 1024;
    private static readonly TimeSpan ProgramTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<string> Build = new(BuildPrograms);

    private static string NvmlDirectory => Path.Combine(NativeArtifacts.RepositoryRoot, "native", "nvml_front_end");

    /// <summary>The driver front end's libcuda.so.1, built for these tests alone (the driver's tests run make in their own
    /// build folder meanwhile, and two makes must not share one).</summary>
    private static string DriverBuild => Path.Combine(NativeArtifacts.WorkDirectory, "nvml-driver");

    /// <summary>Builds the NVML library, nvml_query and nvml_driver_test, and the libcuda.so.1 the latter two use.</summary>
    private static string BuildPrograms()
    {
        var build = Path.Combine(NativeArtifacts.WorkDirectory, "nvml");
        NativeArtifacts.Run("make", ["-s", "-j2", "-C", Path.Combine(NativeArtifacts.RepositoryRoot, "native", "driver_front_end"),
            $"BUILD={DriverBuild}", "all"], TimeSpan.FromMinutes(3));
        NativeArtifacts.Run("make", ["-s", "-C", NvmlDirectory, $"BUILD={build}", $"DRIVER_BUILD={DriverBuild}", "query", "driver-test"],
            TimeSpan.FromMinutes(3));
        return build;
    }

    [Fact]
    public void MakeTestPasses()
    {
        var build = Path.Combine(NativeArtifacts.WorkDirectory, "nvml-make");
        var (_, output, errors) = NativeArtifacts.Run("make", ["-s", "-C", NvmlDirectory, $"BUILD={build}", "test"], TimeSpan.FromMinutes(3));
        Assert.Contains("PASS exports: 404 names, unversioned", output, StringComparison.Ordinal);
        Assert.Matches(new Regex("^PASS [0-9]+ checks$", RegexOptions.Multiline), output);
        Assert.DoesNotContain("FAIL", output + errors, StringComparison.Ordinal);
        // The unsupported function the API test calls twice is named once, in the words the brief gives.
        var logged = File.ReadAllText(Path.Combine(build, "api_test.err"));
        Assert.Single(logged.Split('\n'), line => line == "orion: nvmlDeviceGetEccMode is not supported by Orion's NVML");
        Directory.Delete(build, recursive: true);
    }

    [Fact]
    public void TheHeadersReadingNumbersAreTheWireRecords()
    {
        // orion_client.h's ORION_NVML_* numbers index the same slots as DeviceReading on the wire.
        var header = File.ReadAllText(Path.Combine(NativeArtifacts.RepositoryRoot, "native", "cudart_stub", "orion_client.h"));
        foreach (var reading in Enum.GetValues<DeviceReading>())
        {
            var name = "ORION_NVML_" + Regex.Replace(reading.ToString(), "(?<=[a-z0-9])(?=[A-Z])", "_").ToUpperInvariant();
            var match = Regex.Match(header, $@"#define {name} (\d+)");
            Assert.True(match.Success, $"{name} is missing from orion_client.h");
            Assert.Equal((int)reading, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        Assert.Contains($"#define ORION_NVML_READINGS {DeviceStatus.ReadingCount}", header, StringComparison.Ordinal);
        Assert.Contains($"#define ORION_NVML_TEXT_BYTES {DeviceStatus.NameBytes}", header, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NvmlBesideTheDriverSeesThisProcessOnly()
    {
        var program = Path.Combine(Build.Value, "nvml_driver_test");
        var backend = new EmulatedGpuBackend(new EmulatedDeviceOptions());
        await using var server = await StartServerAsync(backend);
        // Another tenant's session holds memory on the same device throughout.
        await using var other = await RemoteCudaClient.ConnectAsync(new TransportFactory().Add(new TcpTransport()), server.Endpoints[0],
            new RemoteCudaClientOptions { ClientName = "another tenant" });
        Assert.Equal(CudaStatus.Success, other.Allocate(40 * MiB, out _));

        var (exitCode, output, errors) = NativeArtifacts.Run(program, [], ProgramTimeout, ClientEnvironment(server), check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
        Assert.Equal((ulong)(40 * MiB), backend.UsedBytes(0));
    }

    [Fact]
    public async Task TheQueryProgramReadsTheEmulatedDevice()
    {
        var program = Path.Combine(Build.Value, "nvml_query");
        await using var server = await StartServerAsync(new EmulatedGpuBackend(new EmulatedDeviceOptions()));
        // With an argument the program holds memory through Orion's libcuda.so.1 (beside it in the driver's build).
        var environment = ClientEnvironment(server);
        environment["LD_LIBRARY_PATH"] = DriverBuild;
        var (exitCode, output, errors) = NativeArtifacts.Run(program, ["16"], ProgramTimeout, environment, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("device 0 name: Orion emulated device", output, StringComparison.Ordinal);
        Assert.Contains($"driver version: {EmulatedGpuBackend.EmulatedDriverVersion}", output, StringComparison.Ordinal);
        Assert.Contains("device memory: total 512 MiB, used 16 MiB, free 496 MiB", output, StringComparison.Ordinal);
        Assert.Contains("device 0 compute processes: 1", output, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"^device 0 process 0: self, \S*nvml_query, 16 MiB$", RegexOptions.Multiline), output);
        Assert.Contains("device by uuid: same", output, StringComparison.Ordinal);
        Assert.Contains("device by pci bus id: same", output, StringComparison.Ordinal);
        Assert.Contains("device fan speed: Not Supported", output, StringComparison.Ordinal);
        Assert.Contains("shutdown: Success", output, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAServerNvmlInitSaysTheDriverIsNotLoaded()
    {
        // Never a local GPU: no server is NVML_ERROR_DRIVER_NOT_LOADED, with the client's reason on stderr.
        var program = Path.Combine(Build.Value, "nvml_query");
        var (exitCode, output, errors) = NativeArtifacts.Run(program, [], ProgramTimeout,
            new Dictionary<string, string>
            {
                ["ORION_SERVER"] = "127.0.0.1:1",
                ["ORION_CLIENT_LIB"] = NativeArtifacts.ClientLibrary,
                ["ORION_CONNECT_TIMEOUT_MS"] = "1000",
            }, check: false);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("nvmlInit_v2: Driver Not Loaded", output, StringComparison.Ordinal);
        Assert.Contains("cannot reach", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrionMaxDevicesShowsTheFirstDevicesOfTheServersInOrderAndConnectsNoFurther()
    {
        // What orion run --gpus N sets: two sessions with a two-device server (four devices), limited to three.
        var program = Path.Combine(Build.Value, "nvml_query");
        await using var server = await StartServerAsync(new EmulatedGpuBackend(new EmulatedDeviceOptions { DeviceCount = 2 }));
        var environment = ClientEnvironment(server);
        var endpoint = environment["ORION_SERVER"];
        environment["ORION_SERVER"] = $"{endpoint},{endpoint}";
        var (exitCode, output, errors) = NativeArtifacts.Run(program, [], ProgramTimeout, environment, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("device count: 4\n", output, StringComparison.Ordinal);

        environment["ORION_MAX_DEVICES"] = "3";
        (exitCode, output, errors) = NativeArtifacts.Run(program, [], ProgramTimeout, environment, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("device count: 3\n", output, StringComparison.Ordinal);
        Assert.Contains("== device 2\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("== device 3", output, StringComparison.Ordinal);

        // Two devices come from the first server: the second entry, where nothing listens, is never connected to.
        environment["ORION_SERVER"] = $"{endpoint},127.0.0.1:1";
        environment["ORION_MAX_DEVICES"] = "2";
        (exitCode, output, errors) = NativeArtifacts.Run(program, [], ProgramTimeout, environment, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("device count: 2\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach", errors, StringComparison.Ordinal);
    }

    private static async Task<OrionServer> StartServerAsync(IGpuBackend backend)
    {
        var options = new OrionServerOptions();
        options.Endpoints.Add(new TransportEndpoint("tcp", "127.0.0.1", 0));
        var server = new OrionServer(backend, new TransportFactory().Add(new TcpTransport()), options);
        await server.StartAsync();
        return server;
    }

    private static Dictionary<string, string> ClientEnvironment(OrionServer server) => new()
    {
        ["ORION_SERVER"] = $"{server.Endpoints[0].Host}:{server.Endpoints[0].Port}",
        ["ORION_CLIENT_LIB"] = NativeArtifacts.ClientLibrary,
        ["ORION_LOG_LEVEL"] = "warn",
        ["ORION_CONNECT_TIMEOUT_MS"] = "3000",
    };
}
