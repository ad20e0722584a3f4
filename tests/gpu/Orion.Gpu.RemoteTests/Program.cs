using Orion.Cuda.Remote;
using Orion.Gpu.RemoteTests;
using Orion.Gpu.Tests;
using Orion.Server.Core;
using Orion.Server.Core.Backend;
using Orion.Transport;
using Orion.Transport.Tcp;

// Usage: Orion.Gpu.RemoteTests <tcp://host:port | --in-process> <path/to/orion_mixed.fatbin>
//   tcp://...      connect to a running orion-server (scripts/gpu-test.sh starts one)
//   --in-process   start an OrionServer with the CUDA driver backend inside this process, on
//                  TCP loopback, and connect to it (no separate server binary needed)
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Orion.Gpu.RemoteTests <tcp://host:port | --in-process> <orion_mixed.fatbin>");
    return 2;
}

var transports = new TransportFactory().Add(new TcpTransport());
OrionServer? server = null;
IGpuBackend? backend = null;
TransportEndpoint endpoint;
if (args[0] == "--in-process")
{
    if (!GpuBackendProvider.TryCreateCudaDriver(out backend, out string reason))
    {
        Console.WriteLine($"REMOTE FAILED: no CUDA backend: {reason}");
        return 1;
    }

    var options = new OrionServerOptions();
    options.Endpoints.Add(TransportEndpoint.Parse($"tcp://127.0.0.1:{Random.Shared.Next(20000, 40000)}"));
    server = new OrionServer(backend!, transports, options);
    await server.StartAsync();
    endpoint = server.Endpoints[0];
}
else
{
    endpoint = TransportEndpoint.Parse(args[0]);
}

var runner = new CheckRunner();
try
{
    using RemoteGpu gpu = await RemoteGpu.ConnectAsync(transports, endpoint, new() { ClientName = "orion-gpu-tests" });
    new RemoteChecks(runner, gpu, args[1]).RunAll();
}
#pragma warning disable CA1031 // a connection failure is reported like any failed check
catch (Exception e)
#pragma warning restore CA1031
{
    runner.Run("connect", () => throw e);
}
finally
{
    if (server is not null)
    {
        await server.DisposeAsync();
    }

    backend?.Dispose();
}

Console.WriteLine($"REMOTE {(runner.AllPassed ? "OK" : "FAILED")}: {runner.Summary} (endpoint {endpoint})");
return runner.AllPassed ? 0 : 1;
