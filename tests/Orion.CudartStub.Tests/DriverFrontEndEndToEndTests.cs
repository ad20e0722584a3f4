using Orion.Server.Core;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.CudartStub.Tests;

/// <summary>
/// The driver path without a GPU: a C program calls the CUDA driver API through Orion's
/// libcuda.so.1 (native/driver_front_end, built with make) and liborion_client.so (NativeAOT),
/// over TCP loopback to an in-process server with the emulated device.
/// </summary>
public sealed class DriverFrontEndEndToEndTests
{
    private static readonly TimeSpan ProgramTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Runs a C test program against an in-process server with the emulated device; its exit code and output.</summary>
    private static async Task<(int ExitCode, string Output, string Errors)> RunAgainstEmulatedServerAsync(string program)
    {
        var backend = GpuBackendProvider.CreateEmulated(new EmulatedDeviceOptions { Kernels = StubTestKernels.Create() });
        var options = new OrionServerOptions();
        options.Endpoints.Add(new TransportEndpoint("tcp", "127.0.0.1", 0));
        await using var server = new OrionServer(backend, new TransportFactory().Add(new TcpTransport()), options);
        await server.StartAsync();
        var endpoint = server.Endpoints[0];
        return NativeArtifacts.Run(program, [], ProgramTimeout,
            new Dictionary<string, string>
            {
                ["ORION_SERVER"] = $"{endpoint.Host}:{endpoint.Port}",
                ["ORION_CLIENT_LIB"] = NativeArtifacts.ClientLibrary,
                ["ORION_LOG_LEVEL"] = "warn",
                ["ORION_CONNECT_TIMEOUT_MS"] = "3000",
            }, check: false);
    }

    [Fact]
    public async Task DriverApiThroughTheFrontEndWorksAgainstTheEmulatedDevice()
    {
        var (exitCode, output, errors) = await RunAgainstEmulatedServerAsync(NativeArtifacts.DriverTestProgram);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
        // The unsupported function the program calls twice is named once on stderr.
        Assert.Single(errors.Split('\n'), line => line.Contains("cuGraphicsMapResources is not supported", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BothFrontEndsInOneProcessShareOneSession()
    {
        // Memory the runtime front end allocates and fills is read back by the driver front end (and
        // the other way): only one client library and one server session make that possible.
        var (exitCode, output, errors) = await RunAgainstEmulatedServerAsync(NativeArtifacts.BothFrontEndsProgram);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemoryPoolsThroughTheFrontEndWorkAgainstTheEmulatedDevice()
    {
        // The default pool (threshold, usage, trim), a created pool, the current pool, address reservation,
        // what is refused, and a device reset (native/driver_front_end/test/driver_pools_test.c).
        var (exitCode, output, errors) = await RunAgainstEmulatedServerAsync(NativeArtifacts.DriverPoolsProgram);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CooperativeLaunchesThroughTheFrontEndReachTheEmulatedDevice()
    {
        // Grid-synchronizing kernel launched cooperatively three ways, the too-large error at the next
        // synchronization, and a plain launch that is not cooperative (driver_cooperative_test.c).
        var (exitCode, output, errors) = await RunAgainstEmulatedServerAsync(NativeArtifacts.DriverCooperativeProgram);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArraysTexturesAndSurfacesThroughTheFrontEndWorkAgainstTheEmulatedDevice()
    {
        // cuArray3DCreate, 2D and 3D copies with arrays, byte-offset copies, and texture and surface
        // objects whose device values emulated kernels sample and update.
        var (exitCode, output, errors) = await RunAgainstEmulatedServerAsync(NativeArtifacts.DriverArraysProgram);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
        Assert.Contains("with kernels", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamCaptureAndGraphsRunOnTheEmulatedDevice()
    {
        // A capture (kernels, a device-to-device copy, a memset forked onto a second stream) replayed
        // 100 times and an explicit graph with a kernel argument changed in the executable graph, each
        // checked element by element by the program; plus what a capturing stream must refuse.
        var (exitCode, output, errors) = await RunAgainstEmulatedServerAsync(NativeArtifacts.DriverGraphTestProgram);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.Contains("captured graph: correct, explicit graph: correct", output, StringComparison.Ordinal);
        Assert.Contains("PASS ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VirtualMemoryThroughTheFrontEndServesExpandableSegments()
    {
        // What PyTorch's expandable segments do: an 8 GiB reservation, granules mapped as it grows (asking for a POSIX
        // file descriptor handle), memory used across them by copies, memsets and a kernel, shrinking and growing
        // again, then everything freed; plus retained handles, refusals and a device reset (driver_vmm_test.c).
        var (exitCode, output, errors) = await RunAgainstEmulatedServerAsync(NativeArtifacts.DriverVirtualMemoryProgram);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
        // The POSIX file descriptor PyTorch asks for is dropped once, with a warning that says so.
        Assert.Single(errors.Split('\n'), line => line.Contains("a POSIX file descriptor handle was asked for", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AServerThatGoesAwayMidLoopGivesTheProgramAnErrorNotAHang()
    {
        // A training loop's view of its server dying: the next call that waits fails with
        // CUDA_ERROR_DEVICE_UNAVAILABLE (46) at once; the program exits on its own, well inside the timeout.
        var backend = GpuBackendProvider.CreateEmulated(new EmulatedDeviceOptions { Kernels = StubTestKernels.Create() });
        var options = new OrionServerOptions();
        options.Endpoints.Add(new TransportEndpoint("tcp", "127.0.0.1", 0));
        var server = new OrionServer(backend, new TransportFactory().Add(new TcpTransport()), options);
        await server.StartAsync();
        var endpoint = server.Endpoints[0];
        var start = new System.Diagnostics.ProcessStartInfo(NativeArtifacts.DriverServerLossProgram)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ORION_SERVER"] = $"{endpoint.Host}:{endpoint.Port}";
        start.Environment["ORION_CLIENT_LIB"] = NativeArtifacts.ClientLibrary;
        start.Environment["ORION_LOG_LEVEL"] = "error";
        using var program = System.Diagnostics.Process.Start(start)!;
        var errors = program.StandardError.ReadToEndAsync();
        try
        {
            Assert.Equal("READY", await program.StandardOutput.ReadLineAsync().WaitAsync(ProgramTimeout));
        }
        finally
        {
            await server.DisposeAsync();
        }
        var lost = await program.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(program.WaitForExit(TimeSpan.FromSeconds(20)), "the program hung after its server went away");
        Assert.Equal(3, program.ExitCode);
        Assert.NotNull(lost);
        Assert.StartsWith("LOST 46 after ", lost, StringComparison.Ordinal);
        _ = await errors;
    }

    [Fact]
    public void WithoutAServerCuInitSaysNoDevice()
    {
        // A port nothing listens on: cuInit must fail with CUDA_ERROR_NO_DEVICE and every later call
        // with CUDA_ERROR_NOT_INITIALIZED, never fall back to a local driver.
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.DriverTestProgram, [], ProgramTimeout,
            new Dictionary<string, string>
            {
                ["ORION_SERVER"] = "127.0.0.1:1",
                ["ORION_CLIENT_LIB"] = NativeArtifacts.ClientLibrary,
                ["ORION_CONNECT_TIMEOUT_MS"] = "1000",
            }, check: false);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("cuInit(0)", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("PASS", output, StringComparison.Ordinal);
    }
}
