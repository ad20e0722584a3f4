using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orion.Samples.Server;
using Orion.Server.Core;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Transport;
using Orion.Transport.Rdma;
using Orion.Transport.Tcp;

var listen = new Option<string[]>("--listen", "-l")
{
    Description = "Endpoint to listen on, e.g. tcp://0.0.0.0:7000 or host:port; repeat for several.",
    DefaultValueFactory = _ => ["tcp://0.0.0.0:7000"],
    Arity = ArgumentArity.OneOrMore,
};
var devices = new Option<int[]>("--device", "-d")
{
    Description = "GPU ordinal to expose (repeat for several); default: all.",
    Arity = ArgumentArity.ZeroOrMore,
};
var token = new Option<string?>("--token")
{
    Description = "Auth token clients must present (default: $ORION_TOKEN; none: any client).",
};
var logLevel = new Option<LogLevel>("--log-level")
{
    Description = "Trace, Debug, Information, Warning, Error, Critical or None.",
    DefaultValueFactory = _ => LogLevel.Information,
};
var emulated = new Option<bool>("--emulated")
{
    Description = "Serve the emulated device (no GPU; runs only the samples' built-in kernels). For development and tests.",
};
var emulatedDevices = new Option<int>("--emulated-devices")
{
    Description = "How many emulated devices to offer with --emulated.",
    DefaultValueFactory = _ => 1,
};

var isolation = new Option<string?>("--isolation")
{
    Description = "process: each session runs in its own worker process (a GPU fault ends only that session; default with a GPU). "
        + "context: sessions share this process (default with --emulated).",
};
isolation.AcceptOnlyFromAmong("process", "context");

var moduleCache = new Option<DirectoryInfo?>("--module-cache")
{
    Description = "Directory where module images (CUDA libraries' kernels) are kept by content for every session, "
        + "so that each crosses the network once per server; default: none.",
};
var moduleCacheMaxBytes = new Option<long>("--module-cache-max-bytes")
{
    Description = "The most the module cache directory may hold; the least recently used images go first.",
    DefaultValueFactory = _ => Orion.Server.Core.ModuleCache.ModuleCacheOptions.DefaultMaxBytes,
};

var memoryQuota = new Option<string?>("--memory-quota")
{
    Description = "Device memory each session may hold on each GPU, e.g. 16G, 512M or a number of bytes; the session also "
        + "sees it as the GPU's memory (cudaMemGetInfo, device properties, NVML). Default: none (the card's memory).",
};

var root = new RootCommand("Orion server: lends this host's GPUs to remote CUDA applications.")
{
    listen, devices, token, logLevel, emulated, emulatedDevices, isolation, moduleCache, moduleCacheMaxBytes, memoryQuota,
};

ILoggerFactory CreateLoggerFactory(LogLevel level) => LoggerFactory.Create(builder =>
    builder.SetMinimumLevel(level).AddSimpleConsole(options =>
    {
        options.SingleLine = true;
        options.TimestampFormat = "HH:mm:ss.fff ";
    }));

IGpuBackend? CreateBackend(bool useEmulated, int emulatedDeviceCount, ILogger logger)
{
    if (useEmulated)
    {
        var backend = new EmulatedGpuBackend(new EmulatedDeviceOptions
        {
            DeviceCount = Math.Clamp(emulatedDeviceCount, 1, 8),
            Kernels = DemoKernels.Create(),
        });
        ServerLog.ServingEmulated(logger, backend.Description);
        return backend;
    }
    if (!GpuBackendProvider.TryCreateCudaDriver(out var cuda, out var reason))
    {
        ServerLog.NoGpu(logger, reason);
        return null;
    }
    ServerLog.UsingBackend(logger, cuda!.Description);
    return cuda;
}

// In process isolation the supervisor starts this program again as each session's worker, and the
// package serves that side. The backend arguments are those the supervisor gave ProcessWorkerLauncher
// below, so a worker serves the same backend as its supervisor. A worker listens with the scheme the
// client reached the supervisor with; these workers offer TCP only, so a session that came over RDMA
// is refused as unavailable.
if (await OrionWorkerProcess.TryRunAsync(args, new TransportFactory().Add(new TcpTransport()), request =>
    {
        var logger = request.LoggerFactory.CreateLogger("orion-server");
        var backendOptions = root.Parse(request.BackendArguments.ToArray());
        if (backendOptions.Errors.Count > 0)
        {
            ServerLog.InvalidBackendArguments(logger, string.Join("; ", backendOptions.Errors.Select(e => e.Message)));
            return null;
        }
        return CreateBackend(backendOptions.GetValue(emulated), backendOptions.GetValue(emulatedDevices), logger);
    }) is { } workerExitCode)
{
    return workerExitCode;
}

root.SetAction(async (parse, cancellationToken) =>
{
    using var loggerFactory = CreateLoggerFactory(parse.GetValue(logLevel));
    var logger = loggerFactory.CreateLogger("orion-server");

    var endpoints = new List<TransportEndpoint>();
    foreach (var text in parse.GetValue(listen) ?? [])
    {
        if (!TransportEndpoint.TryParse(text, out var endpoint, out var error))
        {
            ServerLog.InvalidEndpoint(logger, text, error);
            return 2;
        }
        endpoints.Add(endpoint);
    }

    var backend = CreateBackend(parse.GetValue(emulated), parse.GetValue(emulatedDevices), logger);
    if (backend is null)
    {
        return 3;
    }
    var isProcess = (parse.GetValue(isolation) ?? (parse.GetValue(emulated) ? "context" : "process")) == "process";
    ulong quota = 0;
    if (parse.GetValue(memoryQuota) is { } quotaText && !ByteSize.TryParse(quotaText, out quota))
    {
        Console.Error.WriteLine($"orion-server: --memory-quota '{quotaText}' is not a size (e.g. 16G, 512M or a number of bytes)");
        return 2;
    }

    var options = new OrionServerOptions
    {
        AuthToken = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("ORION_TOKEN"),
        Isolation = isProcess ? SessionIsolation.Process : SessionIsolation.Context,
        SessionLimits = new SessionLimits { MemoryQuotaBytes = quota == 0 ? null : quota },
        ModuleCache = parse.GetValue(moduleCache) is { } cacheDirectory
            ? new Orion.Server.Core.ModuleCache.ModuleCacheOptions(cacheDirectory.FullName, parse.GetValue(moduleCacheMaxBytes))
            : null,
    };
    if (isProcess)
    {
        // Workers are this same program, started with the backend options it was given.
        List<string> backendArguments = [];
        if (parse.GetValue(emulated))
        {
            backendArguments.AddRange(["--emulated", "--emulated-devices", parse.GetValue(emulatedDevices).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        var launcher = ProcessWorkerLauncher.ForThisProgram(backendArguments, loggerFactory);
        launcher.WorkerLogLevel = parse.GetValue(logLevel);
        options.WorkerLauncher = launcher;
    }
    foreach (var endpoint in endpoints)
    {
        options.Endpoints.Add(endpoint);
    }
    foreach (var device in parse.GetValue(devices) ?? [])
    {
        options.Devices.Add(device);
    }

    // tcp://, rdma:// (ibverbs shim) and auto:// (RDMA when a device is present, else TCP); the
    // server can listen on several at once.
    var tcp = new TcpTransport();
    var transportLog = loggerFactory.CreateLogger("Orion.Transport");
    var transports = new TransportFactory().Add(tcp).AddRdmaWithFallback(new RdmaTransport(logger: transportLog), tcp, transportLog);
    using (backend)
    {
        var server = new OrionServer(backend, transports, options, loggerFactory);
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TransportException)
        {
            ServerLog.CannotStart(logger, ex.Message);
            await server.DisposeAsync();
            return 4;
        }
        ServerLog.Ready(logger, string.Join(", ", server.Endpoints), string.IsNullOrEmpty(options.AuthToken) ? "no auth token" : "auth token required", options.Isolation);

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.TrySetResult();
        });
        using var registration = cancellationToken.Register(() => stop.TrySetResult());
        await stop.Task;
        ServerLog.Stopping(logger, server.Sessions.Count + server.Workers.Count);
        await server.DisposeAsync();
    }
    return 0;
});

return await root.Parse(args).InvokeAsync();
