using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Orion.Samples.Server;
using Orion.Cuda.Protocol.Security;
using Orion.Server.Core;
using Orion.Server.Core.Authentication;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Server.Core.VGpus;
using Orion.Transport;
using Orion.Transport.Rdma;
using Orion.Transport.Tcp;

var listen = new Option<string[]>("--listen", "-l")
{
    Description = "Endpoint to listen on, e.g. tcp://127.0.0.1:7000 or host:port; repeat for several. "
        + "An address other hosts can reach needs a token (--token-file) or --allow-unauthenticated.",
    DefaultValueFactory = _ => ["tcp://127.0.0.1:7000"],
    Arity = ArgumentArity.OneOrMore,
};
var devices = new Option<int[]>("--device", "-d")
{
    Description = "GPU ordinal to expose (repeat for several); default: all.",
    Arity = ArgumentArity.ZeroOrMore,
};
var tokenFile = new Option<string?>("--token-file")
{
    Description = "File holding the auth token clients must present (readable by its owner only; default: $ORION_TOKEN_FILE, "
        + "else $ORION_TOKEN; none: any client, on loopback endpoints only unless --allow-unauthenticated).",
};
var allowUnauthenticated = new Option<bool>("--allow-unauthenticated")
{
    Description = "Listen without a token on endpoints other hosts can reach: any client that reaches them may use the GPUs.",
};
// No longer accepted (a token on the command line is visible to every user in /proc/<pid>/cmdline); kept, hidden, to
// say so and what to use instead rather than answer "unrecognized option".
var token = new Option<string?>("--token")
{
    Hidden = true,
    Arity = ArgumentArity.ZeroOrOne,
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

var config = new Option<string?>("--config")
{
    Description = "An appsettings-style JSON file with the vGPU settings (section Orion:VGpus; docs/configuration.md); "
        + "default: $ORION_CONFIG. The environment and the command line override it, device by device.",
    HelpName = "FILE",
};
var vgpuCounts = new Option<string[]>("--vgpus")
{
    Description = "Divide a GPU into equal vGPUs: DEVICE=COUNT, e.g. 0=4 (each gets 1/4 of the memory and a 25% compute share); "
        + "repeat or comma-separate for several GPUs. Default: $ORION_VGPUS, else none (sessions see every GPU).",
    HelpName = "DEVICE=COUNT",
    Arity = ArgumentArity.ZeroOrMore,
    AllowMultipleArgumentsPerToken = false,
};
var vgpuSlices = new Option<string[]>("--vgpu-slice")
{
    Description = "One vGPU of chosen size: DEVICE=MEMORY[:SHARE], e.g. 0=24G:30 (24 GiB, a 30% compute share); repeat for more. "
        + "Default: $ORION_VGPU_SLICES.",
    HelpName = "DEVICE=MEMORY[:SHARE]",
    Arity = ArgumentArity.ZeroOrMore,
    AllowMultipleArgumentsPerToken = false,
};
var memoryOversubscription = new Option<string?>("--memory-oversubscription")
{
    Description = "How much memory a GPU's vGPUs may promise together, as a multiple of its memory (1.5: 150%). "
        + "Default: $ORION_MEMORY_OVERSUBSCRIPTION, else 1 (none).",
    HelpName = "RATIO",
};

var root = new RootCommand("Orion server: lends this host's GPUs to remote CUDA applications.")
{
    listen, devices, tokenFile, allowUnauthenticated, token, logLevel, emulated, emulatedDevices, isolation, moduleCache, moduleCacheMaxBytes, memoryQuota,
    config, vgpuCounts, vgpuSlices, memoryOversubscription,
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

// The token clients must present: --token-file, else ORION_TOKEN_FILE, else ORION_TOKEN (both variables set is an
// error: they could disagree). Never from the command line itself, and never logged.
string? ResolveToken(string? file, out string? error)
{
    error = null;
    string? fromFile;
    if (!string.IsNullOrEmpty(file))
    {
        return AuthTokenFile.TryRead(file, out fromFile, out error) ? fromFile : null;
    }
    var environmentFile = Environment.GetEnvironmentVariable("ORION_TOKEN_FILE");
    var environmentToken = Environment.GetEnvironmentVariable("ORION_TOKEN");
    if (string.IsNullOrEmpty(environmentFile))
    {
        return string.IsNullOrEmpty(environmentToken) ? null : environmentToken;
    }
    if (!string.IsNullOrEmpty(environmentToken))
    {
        error = "ORION_TOKEN and ORION_TOKEN_FILE are both set; set only one";
        return null;
    }
    if (AuthTokenFile.TryRead(environmentFile, out fromFile, out error))
    {
        return fromFile;
    }
    error = "ORION_TOKEN_FILE: " + error;
    return null;
}

root.SetAction(async (parse, cancellationToken) =>
{
    using var loggerFactory = CreateLoggerFactory(parse.GetValue(logLevel));
    var logger = loggerFactory.CreateLogger("orion-server");

    if (parse.GetResult(token) is not null)
    {
        ServerLog.TokenOnCommandLine(logger);
        return 2;
    }
    var authToken = ResolveToken(parse.GetValue(tokenFile), out var tokenError);
    if (tokenError is not null)
    {
        ServerLog.InvalidToken(logger, tokenError);
        return 2;
    }

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
    // Checked before the backend starts; OrionServer.StartAsync checks it again (UnauthenticatedEndpointException).
    if (authToken is null && !parse.GetValue(allowUnauthenticated) && endpoints.FirstOrDefault(e => !LoopbackEndpoints.IsLoopback(e)) is { } exposed)
    {
        ServerLog.ExposedWithoutToken(logger, exposed.ToString());
        return 2;
    }

    // The vGPUs, from the file, then the environment, then the command line (each device as the last source that names it);
    // checked before the backend starts, and against the devices' memory when the server starts.
    VGpuOptions vgpus;
    try
    {
        var configFile = parse.GetValue(config) ?? Environment.GetEnvironmentVariable("ORION_CONFIG");
        vgpus = VGpuConfiguration.Build(configFile, Environment.GetEnvironmentVariable,
            parse.GetValue(vgpuCounts) ?? [], parse.GetValue(vgpuSlices) ?? [], parse.GetValue(memoryOversubscription));
    }
    catch (VGpuConfigurationException ex)
    {
        ServerLog.InvalidVGpus(logger, ex.Message);
        return 2;
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
        AuthToken = authToken,
        AllowUnauthenticated = parse.GetValue(allowUnauthenticated),
        Isolation = isProcess ? SessionIsolation.Process : SessionIsolation.Context,
        SessionLimits = new SessionLimits { MemoryQuotaBytes = quota == 0 ? null : quota },
        VGpus = vgpus,
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
        catch (VGpuConfigurationException ex)
        {
            // A vGPU larger than its GPU, or on a GPU not exposed: a configuration error, as the syntax errors above.
            ServerLog.InvalidVGpus(logger, ex.Message);
            await server.DisposeAsync();
            return 2;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TransportException)
        {
            ServerLog.CannotStart(logger, ex.Message);
            await server.DisposeAsync();
            return 4;
        }
        ServerLog.Ready(logger, string.Join(", ", server.Endpoints), string.IsNullOrEmpty(options.AuthToken) ? "no auth token" : "auth token required", options.Isolation);
        foreach (var vgpu in server.VGpus)
        {
            ServerLog.VGpuOffered(logger, vgpu.Device, vgpu.Slice, ByteSize.Format(vgpu.MemoryBytes), vgpu.SharePercent);
        }

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
