using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Samples.Server;
using Orion.Cuda.Protocol.Security;
using Orion.Server.Core;
using Orion.Server.Core.Authentication;
using Orion.Server.Core.Backend;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Hosting;
using Orion.Server.Core.Isolation;
using Orion.Server.Core.VGpus;
using Orion.Transport;
using Orion.Transport.Rdma;
using Orion.Transport.SharedMemory;
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
var noCompression = new Option<bool>("--no-compression")
{
    Description = "Refuse LZ4-compressed chunks (clients with ORION_COMPRESSION=on or auto then copy plain chunks).",
};
var showAllSessions = new Option<bool>("--show-all-sessions")
{
    Description = "Let every client see every session (id, client name, vGPU, device memory held) in orion smi; "
        + "by default a client sees only its own and how many there are (the vGPU table is shown either way).",
};
var tlsCertificate = new Option<string?>("--tls-certificate")
{
    Description = "The server's TLS certificate for tls:// endpoints: a PEM file (its key in --tls-key or in the same file) or a "
        + "PKCS#12 (.pfx) file without a password.",
    HelpName = "FILE",
};
var tlsKey = new Option<string?>("--tls-key")
{
    Description = "The PEM private key of --tls-certificate (readable by the server's user only).",
    HelpName = "FILE",
};
var allowUnencrypted = new Option<bool>("--allow-unencrypted")
{
    Description = "Listen without TLS (tcp://, rdma://, auto://) on endpoints other hosts can reach: the token and all data cross the network in clear.",
};
var maxConnections = new Option<int?>("--max-connections")
{
    Description = "Most connections held open at once (default 1024); past it a client is refused as unavailable.",
};
var maxConnectionsPerAddress = new Option<int?>("--max-connections-per-address")
{
    Description = "Most connections one address (IPv4 address, IPv6 /64) holds open at once (default 64).",
};
var maxModuleImage = new Option<string?>("--max-module-image")
{
    Description = "Largest module image (fatbin, cubin, PTX) a session may load, e.g. 64M (default and most 512M).",
};
var maxUnauthenticatedMessage = new Option<string?>("--max-unauthenticated-message")
{
    Description = "Largest message a connection may send before it has authenticated, e.g. 64K (the default; at least 4K).",
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
var computeQuantum = new Option<string?>("--compute-quantum")
{
    Description = "How long a session on a vGPU may keep its GPU while a session of another vGPU waits: compute shares are enforced "
        + "by turns of this length (e.g. 20ms, the default); 0s leaves them unenforced.",
    HelpName = "DURATION",
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
    config, vgpuCounts, vgpuSlices, memoryOversubscription, computeQuantum, noCompression, showAllSessions, tlsCertificate, tlsKey, allowUnencrypted,
    maxConnections, maxConnectionsPerAddress, maxModuleImage, maxUnauthenticatedMessage,
};

// One format for every log line: the checks before the host starts and the host's own logging.
void ConfigureLogging(ILoggingBuilder builder, LogLevel level) =>
    builder.ClearProviders().SetMinimumLevel(level)
        .AddFilter("Microsoft", LogLevel.Warning)
        // A failed start is logged once, as one line, by this program (the host would add a stack trace).
        .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical)
        .AddSimpleConsole(options =>
    {
        options.SingleLine = true;
        options.TimestampFormat = "HH:mm:ss.fff ";
    });

ILoggerFactory CreateLoggerFactory(LogLevel level) => LoggerFactory.Create(builder => ConfigureLogging(builder, level));

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
// client reached the supervisor with; these workers offer TCP (and TLS) and shared memory (a socket of their own
// beside the supervisor's), so a session that came over RDMA is refused as unavailable.
if (await OrionWorkerProcess.TryRunAsync(args, new TransportFactory().Add(new TcpTransport()).Add(new SharedMemoryTransport()), request =>
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

// The vGPUs as keys of the "Orion" configuration section (Orion:VGpus:..., the shape of the --config file), which
// AddOrionServer binds and validates as it does every other option.
void AddVGpuSettings(Dictionary<string, string?> settings, VGpuOptions vgpus)
{
    if (vgpus.IsEmpty && vgpus.MemoryOversubscription == 1.0)
    {
        return;
    }
    settings["Orion:VGpus:MemoryOversubscription"] = vgpus.MemoryOversubscription.ToString("R", CultureInfo.InvariantCulture);
    foreach (var (device, division) in vgpus.Devices)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture, $"Orion:VGpus:Devices:{device}");
        if (division.Count != 0)
        {
            settings[prefix + ":Count"] = division.Count.ToString(CultureInfo.InvariantCulture);
        }
        for (var i = 0; i < division.Slices.Count; i++)
        {
            var slice = string.Create(CultureInfo.InvariantCulture, $"{prefix}:Slices:{i}");
            settings[slice + ":Memory"] = division.Slices[i].MemoryBytes.ToString(CultureInfo.InvariantCulture);
            if (division.Slices[i].SharePercent is { } share)
            {
                settings[slice + ":Share"] = share.ToString(CultureInfo.InvariantCulture);
            }
        }
    }
}

root.SetAction(async (parse, cancellationToken) =>
{
    var level = parse.GetValue(logLevel);
    using var loggerFactory = CreateLoggerFactory(level);
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

    // The command line becomes the "Orion" configuration section that AddOrionServer binds (docs/server.md,
    // "In a Generic Host"); the token and the worker launcher are code, not configuration.
    var settings = new Dictionary<string, string?>();
    var listenTexts = parse.GetValue(listen) ?? [];
    for (var i = 0; i < listenTexts.Length; i++)
    {
        // Checked here too, to name the option rather than the configuration key.
        if (!TransportEndpoint.TryParse(listenTexts[i], out var endpoint, out var error))
        {
            ServerLog.InvalidEndpoint(logger, listenTexts[i], error);
            return 2;
        }
        // Checked before the backend starts; OrionServer.StartAsync checks it again (UnauthenticatedEndpointException).
        if (authToken is null && !parse.GetValue(allowUnauthenticated) && !LoopbackEndpoints.IsLoopback(endpoint))
        {
            ServerLog.ExposedWithoutToken(logger, endpoint.ToString());
            return 2;
        }
        var isTls = endpoint.Scheme == TcpTransport.TlsScheme;
        if (!isTls && !parse.GetValue(allowUnencrypted) && !LoopbackEndpoints.IsLoopback(endpoint))
        {
            ServerLog.ExposedWithoutTls(logger, endpoint.ToString(), endpoint.Host.Contains(':', StringComparison.Ordinal) ? $"[{endpoint.Host}]" : endpoint.Host, endpoint.Port);
            return 2;
        }
        if (isTls && parse.GetValue(tlsCertificate) is null)
        {
            ServerLog.TlsWithoutCertificate(logger, endpoint.ToString());
            return 2;
        }
        settings[$"Orion:Endpoints:{i}"] = listenTexts[i];
    }
    var deviceOrdinals = parse.GetValue(devices) ?? [];
    for (var i = 0; i < deviceOrdinals.Length; i++)
    {
        settings[$"Orion:Devices:{i}"] = deviceOrdinals[i].ToString(CultureInfo.InvariantCulture);
    }
    var isProcess = (parse.GetValue(isolation) ?? (parse.GetValue(emulated) ? "context" : "process")) == "process";
    settings["Orion:Isolation"] = isProcess ? nameof(SessionIsolation.Process) : nameof(SessionIsolation.Context);
    settings["Orion:AllowUnauthenticated"] = parse.GetValue(allowUnauthenticated) ? "true" : "false";
    if (parse.GetValue(noCompression))
    {
        settings["Orion:AllowCompression"] = "false";
    }
    settings["Orion:ShowAllSessions"] = parse.GetValue(showAllSessions) ? "true" : "false";
    settings["Orion:AllowUnencrypted"] = parse.GetValue(allowUnencrypted) ? "true" : "false";
    if (parse.GetValue(tlsCertificate) is { } certificateFile)
    {
        settings["Orion:Tls:CertificateFile"] = Path.GetFullPath(certificateFile);
        if (parse.GetValue(tlsKey) is { } keyFile)
        {
            settings["Orion:Tls:KeyFile"] = Path.GetFullPath(keyFile);
        }
    }
    if (parse.GetValue(maxConnections) is { } connectionLimit)
    {
        settings["Orion:MaxConnections"] = connectionLimit.ToString(CultureInfo.InvariantCulture);
    }
    if (parse.GetValue(maxConnectionsPerAddress) is { } perAddressLimit)
    {
        settings["Orion:MaxConnectionsPerAddress"] = perAddressLimit.ToString(CultureInfo.InvariantCulture);
    }
    // Sizes go to the configuration as written: its binder parses them, and names the key of a bad one.
    if (parse.GetValue(maxModuleImage) is { } moduleImageLimit)
    {
        settings["Orion:SessionLimits:MaxModuleImageBytes"] = moduleImageLimit;
    }
    if (parse.GetValue(maxUnauthenticatedMessage) is { } unauthenticatedLimit)
    {
        settings["Orion:SessionLimits:MaxUnauthenticatedMessageBytes"] = unauthenticatedLimit;
    }
    if (parse.GetValue(memoryQuota) is { } quotaText)
    {
        if (!ByteSize.TryParse(quotaText, out var quota))
        {
            Console.Error.WriteLine($"orion-server: --memory-quota '{quotaText}' is not a size (e.g. 16G, 512M or a number of bytes)");
            return 2;
        }
        settings["Orion:SessionLimits:MemoryQuotaBytes"] = quota.ToString(CultureInfo.InvariantCulture);
    }
    if (parse.GetValue(computeQuantum) is { } quantumText)
    {
        settings["Orion:ComputeQuantum"] = quantumText; // checked by the options binder: a bad duration fails the start with its key
    }
    if (parse.GetValue(moduleCache) is { } cacheDirectory)
    {
        settings["Orion:ModuleCache:Directory"] = cacheDirectory.FullName;
        settings["Orion:ModuleCache:MaxBytes"] = parse.GetValue(moduleCacheMaxBytes).ToString(CultureInfo.InvariantCulture);
    }

    // The vGPUs, from the file, then the environment, then the command line (each device as the last source that names it);
    // checked before the backend starts, and against the devices' memory when the server starts.
    try
    {
        var configFile = parse.GetValue(config) ?? Environment.GetEnvironmentVariable("ORION_CONFIG");
        AddVGpuSettings(settings, VGpuConfiguration.Build(configFile, Environment.GetEnvironmentVariable,
            parse.GetValue(vgpuCounts) ?? [], parse.GetValue(vgpuSlices) ?? [], parse.GetValue(memoryOversubscription)));
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
    using (backend)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Configuration.AddInMemoryCollection(settings);
        ConfigureLogging(builder.Logging, level);
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        builder.Services.AddSingleton(backend);
        // tcp://, rdma:// (ibverbs shim), shm:// (shared memory, for clients on this host; docs/transport.md)
        // and auto:// (RDMA when a device is present, else TCP); the server can listen on several at once.
        builder.Services.AddSingleton(services =>
        {
            var tcp = new TcpTransport();
            var transportLog = services.GetRequiredService<ILoggerFactory>().CreateLogger("Orion.Transport");
            return new TransportFactory().Add(tcp)
                .AddSharedMemoryWhenLocal(new SharedMemoryTransport(new SharedMemoryTransportSettings { Logger = transportLog }), transportLog)
                .AddRdmaWithFallback(new RdmaTransport(logger: transportLog), tcp, transportLog);
        });
        if (isProcess)
        {
            // Workers are this same program, started with the backend options it was given.
            List<string> backendArguments = [];
            if (parse.GetValue(emulated))
            {
                backendArguments.AddRange(["--emulated", "--emulated-devices", parse.GetValue(emulatedDevices).ToString(CultureInfo.InvariantCulture)]);
            }
            builder.Services.AddSingleton<IWorkerLauncher>(services =>
            {
                var launcher = ProcessWorkerLauncher.ForThisProgram(backendArguments, services.GetRequiredService<ILoggerFactory>());
                launcher.WorkerLogLevel = level;
                return launcher;
            });
        }
        builder.Services.AddOrionServer(builder.Configuration.GetSection("Orion"), options => options.AuthToken = authToken);

        using var host = builder.Build();
        var hostLogger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("orion-server");
        var orion = host.Services.GetRequiredService<OrionServerHostedService>();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (OptionsValidationException ex)
        {
            ServerLog.InvalidConfiguration(hostLogger, ex.Message);
            return 2;
        }
        catch (VGpuConfigurationException ex)
        {
            // A vGPU larger than its GPU, or on a GPU not exposed: a configuration error, as the syntax errors above.
            ServerLog.InvalidVGpus(hostLogger, ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TransportException)
        {
            ServerLog.CannotStart(hostLogger, ex.Message);
            return 4;
        }
        var server = orion.Server!;
        ServerLog.Ready(hostLogger, string.Join(", ", server.Endpoints), string.IsNullOrEmpty(authToken) ? "no auth token" : "auth token required",
            isProcess ? SessionIsolation.Process : SessionIsolation.Context);
        foreach (var vgpu in server.VGpus)
        {
            ServerLog.VGpuOffered(hostLogger, vgpu.Device, vgpu.Slice, ByteSize.Format(vgpu.MemoryBytes), vgpu.SharePercent);
        }
        // SIGTERM, SIGINT (Ctrl+C) and SIGQUIT stop the host (its console lifetime), which stops the server: listeners
        // close, every session is ended and cleaned up.
        using var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
            ServerLog.Stopping(hostLogger, server.Sessions.Count + server.Workers.Count));
        await host.WaitForShutdownAsync(cancellationToken);
    }
    return 0;
});

return await root.Parse(args).InvokeAsync();
