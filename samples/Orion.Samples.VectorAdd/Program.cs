// Orion sample: add two vectors on a remote GPU.
//   dotnet run --project samples/Orion.Samples.VectorAdd -- [tcp://server:7000] [elements]
// The server comes from the first argument or ORION_SERVER (default tcp://127.0.0.1:7000); the
// auth token from ORION_TOKEN. Exit code 0 when every element matches the host's computation, 1 when
// one does not or Orion fails (one line on stderr: "error: <message>"), 2 for bad arguments.
using System.Diagnostics;
using System.Globalization;
using Orion.Cuda.Remote;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.Tcp;

var server = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("ORION_SERVER") ?? "tcp://127.0.0.1:7000";
var count = 1 << 20;
if (!TransportEndpoint.TryParse(server, out var endpoint, out var endpointError))
{
    Console.Error.WriteLine($"error: invalid server '{server}': {endpointError}");
    return 2;
}
if (args.Length > 1 && (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count <= 0))
{
    Console.Error.WriteLine($"error: invalid element count '{args[1]}' (a positive whole number)");
    return 2;
}

try
{
    return await RunAsync(endpoint, count);
}
catch (Exception e) when (e is OrionException or TransportException)
{
    // Server unreachable, session refused, connection lost, a CUDA call failed: one line, no stack trace.
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

static async Task<int> RunAsync(TransportEndpoint server, int count)
{
    string ptx;
    using (var resource = typeof(Program).Assembly.GetManifestResourceStream("vectorAdd.ptx")!)
    using (var reader = new StreamReader(resource))
    {
        ptx = reader.ReadToEnd();
    }

    var transports = new TransportFactory().Add(new TcpTransport());
    var options = new RemoteCudaClientOptions
    {
        AuthToken = Environment.GetEnvironmentVariable("ORION_TOKEN") ?? "",
        ClientName = "Orion.Samples.VectorAdd",
    };
    await using var gpu = await RemoteGpu.ConnectAsync(transports, server, options);
    var device = gpu.Device;
    Console.WriteLine($"Connected to {server}: {device.Name}{(device.IsEmulated ? " (EMULATED)" : "")}, " +
        $"{device.TotalMemory >> 20} MiB, compute {device.ComputeCapability.Major}.{device.ComputeCapability.Minor}, driver {gpu.DriverVersion}");

    var a = new float[count];
    var b = new float[count];
    for (var i = 0; i < count; i++)
    {
        a[i] = i * 0.5f;
        b[i] = 1.0f / (i + 1);
    }

    var stopwatch = Stopwatch.StartNew();
    using var module = gpu.LoadPtx(ptx);
    var kernel = module.GetKernel("vectorAdd");
    using var deviceA = gpu.Upload<float>(a);
    using var deviceB = gpu.Upload<float>(b);
    using var deviceC = gpu.Allocate<float>(count);
    const uint BlockSize = 256;
    kernel.Launch((uint)((count + BlockSize - 1) / BlockSize), BlockSize, deviceA, deviceB, deviceC, count);
    var c = deviceC.ToArray();
    stopwatch.Stop();

    var mismatches = 0;
    for (var i = 0; i < count; i++)
    {
        if (c[i] != a[i] + b[i])
        {
            if (mismatches++ < 5)
            {
                Console.WriteLine($"  c[{i}] = {c[i]}, expected {a[i] + b[i]}");
            }
        }
    }
    Console.WriteLine($"vectorAdd of {count} elements: {(mismatches == 0 ? "PASS" : $"FAIL ({mismatches} mismatches)")} in {stopwatch.Elapsed.TotalMilliseconds:F1} ms");
    return mismatches == 0 ? 0 : 1;
}
