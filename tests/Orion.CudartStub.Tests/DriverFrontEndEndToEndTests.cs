using Orion.Cuda.Remote;
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

    private static EmulatedKernelRegistry TestKernels() => new EmulatedKernelRegistry()
        .Register("orion_test_vector_add", [8, 8, 8, 4], launch =>
        {
            var n = launch.Parameter<int>(3);
            var count = (int)Math.Min((ulong)n, launch.ThreadCount);
            var a = launch.Memory<float>(launch.Parameter<ulong>(0), count);
            var b = launch.Memory<float>(launch.Parameter<ulong>(1), count);
            var c = launch.Memory<float>(launch.Parameter<ulong>(2), count);
            for (var i = 0; i < count; i++)
            {
                c[i] = a[i] + b[i];
            }
        });

    [Fact]
    public async Task DriverApiThroughTheFrontEndWorksAgainstTheEmulatedDevice()
    {
        var backend = GpuBackendProvider.CreateEmulated(new EmulatedDeviceOptions { Kernels = TestKernels() });
        var options = new OrionServerOptions();
        options.Endpoints.Add(new TransportEndpoint("tcp", "127.0.0.1", 0));
        await using var server = new OrionServer(backend, new TransportFactory().Add(new TcpTransport()), options);
        await server.StartAsync();
        var endpoint = server.Endpoints[0];
        var (exitCode, output, errors) = NativeArtifacts.Run(NativeArtifacts.DriverTestProgram, [], ProgramTimeout,
            new Dictionary<string, string>
            {
                ["ORION_SERVER"] = $"{endpoint.Host}:{endpoint.Port}",
                ["ORION_CLIENT_LIB"] = NativeArtifacts.ClientLibrary,
                ["ORION_LOG_LEVEL"] = "warn",
                ["ORION_CONNECT_TIMEOUT_MS"] = "3000",
            }, check: false);
        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{errors}");
        Assert.StartsWith("PASS ", output, StringComparison.Ordinal);
        // The unsupported function the program calls twice is named once on stderr.
        Assert.Single(errors.Split('\n'), line => line.Contains("cuGraphCreate is not supported", StringComparison.Ordinal));
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
