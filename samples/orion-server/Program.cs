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

var root = new RootCommand("Orion server: lends this host's GPUs to remote CUDA applications.")
{
    listen, devices, token, logLevel, emulated, emulatedDevices, isolation,
};

// The hidden worker subcommand: the supervisor starts one per session in process-isolation mode.
var workerScheme = new Option<string>("--listen-scheme") { DefaultValueFactory = _ => TcpTransport.Scheme };
var workerHost = new Option<string>("--listen-host") { Required = true };
var workerPort = new Option<int>("--listen-port") { DefaultValueFactory = _ => 0 };
var workerSession = new Option<ulong>("--session-id") { Required = true };
var workerChunk = new Option<int>("--chunk-bytes") { DefaultValueFactory = _ => Orion.Cuda.Protocol.Wire.ProtocolLimits.DefaultChunkBytes };
var workerTimeout = new Option<int>("--connect-timeout-ms") { DefaultValueFactory = _ => 10_000 };
var worker = new Command(WorkerCommandLine.Command, "Serve one redirected session (started by the supervisor; the ticket comes on stdin).")
{
    workerScheme, workerHost, workerPort, workerSession, workerChunk, workerTimeout, devices, logLevel, emulated, emulatedDevices,
};
worker.Hidden = true;
root.Subcommands.Add(worker);

ILoggerFactory CreateLoggerFactory(ParseResult parse, bool everythingToStderr) => LoggerFactory.Create(builder =>
{
    builder.SetMinimumLevel(parse.GetValue(logLevel)).AddSimpleConsole(options =>
    {
        options.SingleLine = true;
        // A worker's lines are timestamped by the supervisor's log they are forwarded into.
        options.TimestampFormat = everythingToStderr ? null : "HH:mm:ss.fff ";
    });
    if (everythingToStderr)
    {
        // A worker's stdout carries only its endpoint line; its log goes to stderr, which the supervisor forwards.
        builder.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
    }
});

IGpuBackend? CreateBackend(ParseResult parse, ILogger logger)
{
    if (parse.GetValue(emulated))
    {
        var backend = new EmulatedGpuBackend(new EmulatedDeviceOptions
        {
            DeviceCount = Math.Clamp(parse.GetValue(emulatedDevices), 1, 8),
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

worker.SetAction(async (parse, cancellationToken) =>
{
    using var loggerFactory = CreateLoggerFactory(parse, everythingToStderr: true);
    var logger = loggerFactory.CreateLogger("orion-worker");
    var ticket = Console.In.ReadLine();
    var port = parse.GetValue(workerPort);
    if (!WorkerTicket.IsWellFormed(ticket) || parse.GetValue(workerScheme) != TcpTransport.Scheme || port is < 0 or > 65535)
    {
        ServerLog.WorkerBadArguments(logger);
        return WorkerExitCodes.BadArguments;
    }
    using var backend = CreateBackend(parse, logger);
    if (backend is null)
    {
        return WorkerExitCodes.CannotStart;
    }
    var endpoint = new TransportEndpoint(TcpTransport.Scheme, parse.GetValue(workerHost)!, port);
    var request = new WorkerLaunchRequest(parse.GetValue(workerSession), endpoint, ticket!, parse.GetValue(devices) ?? [],
        parse.GetValue(workerChunk), TimeSpan.FromMilliseconds(Math.Clamp(parse.GetValue(workerTimeout), 100, 600_000)));
    await using var server = new OrionWorker(backend, new TransportFactory().Add(new TcpTransport()), request, loggerFactory: loggerFactory);
    try
    {
        await server.StartAsync(cancellationToken);
    }
    catch (Exception ex) when (ex is InvalidOperationException or TransportException or ArgumentException)
    {
        ServerLog.CannotStart(logger, ex.Message);
        return WorkerExitCodes.CannotStart;
    }
    Console.Out.WriteLine(WorkerCommandLine.ListeningPrefix + server.Endpoint);
    Console.Out.Flush();
    // The supervisor holds our stdin open for as long as it lives: end of file means it is gone.
    var watchdog = new Thread(() =>
    {
        while (Console.In.ReadLine() is not null)
        {
        }
        _ = server.StopAsync(WorkerExitCodes.SupervisorGone);
    }) { IsBackground = true, Name = "orion-worker-supervisor-watch" };
    watchdog.Start();
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        _ = server.StopAsync(WorkerExitCodes.SupervisorGone);
    });
    return await server.Completion;
});

root.SetAction(async (parse, cancellationToken) =>
{
    using var loggerFactory = CreateLoggerFactory(parse, everythingToStderr: false);
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

    var backend = CreateBackend(parse, logger);
    if (backend is null)
    {
        return 3;
    }
    var isProcess = (parse.GetValue(isolation) ?? (parse.GetValue(emulated) ? "context" : "process")) == "process";

    var options = new OrionServerOptions
    {
        AuthToken = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("ORION_TOKEN"),
        Isolation = isProcess ? SessionIsolation.Process : SessionIsolation.Context,
    };
    if (isProcess)
    {
        // Workers are this same program. Run through `dotnet orion-server.dll`, ProcessPath is dotnet itself.
        var executable = Environment.ProcessPath ?? "orion-server";
        string[] leading = Path.GetFileNameWithoutExtension(executable) == "dotnet" ? [Path.Combine(AppContext.BaseDirectory, "orion-server.dll")] : [];
        List<string> backendArguments = ["--log-level", parse.GetValue(logLevel).ToString()];
        if (parse.GetValue(emulated))
        {
            backendArguments.AddRange(["--emulated", "--emulated-devices", parse.GetValue(emulatedDevices).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        options.WorkerLauncher = new ProcessWorkerLauncher(executable, leading, backendArguments, loggerFactory);
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
