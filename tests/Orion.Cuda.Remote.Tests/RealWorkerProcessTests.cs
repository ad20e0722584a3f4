using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Starts real worker processes: samples/orion-server (emulated device), whose Main hands a worker command
/// line to the package's <see cref="OrionWorkerProcess"/>. Shows the isolation guarantees: a session's work
/// runs in its worker, the worker exits when its session ends or its supervisor goes away, and killing one
/// worker ends only that client's session. Set <c>ORION_SERVER_DLL</c> to use another build of orion-server.dll.
/// </summary>
public sealed class RealWorkerProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // process start on a busy 2-core CI machine
    private readonly TransportFactory _transports = new TransportFactory().Add(new TcpTransport());
    private readonly EmulatedGpuBackend _supervisorBackend = new(new EmulatedDeviceOptions());
    private OrionServer _server = null!;
    private readonly string _moduleCache = Path.Combine(Path.GetTempPath(), "orion-worker-cache-" + Guid.NewGuid().ToString("N"));

    public async Task InitializeAsync()
    {
        var options = new OrionServerOptions
        {
            Isolation = SessionIsolation.Process,
            WorkerLauncher = CreateLauncher(),
            WorkerConnectTimeout = TimeSpan.FromSeconds(30),
            ModuleCache = new Orion.Server.Core.ModuleCache.ModuleCacheOptions(_moduleCache),
        };
        options.Endpoints.Add(new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0));
        _server = new OrionServer(_supervisorBackend, _transports, options, NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _supervisorBackend.Dispose();
        if (Directory.Exists(_moduleCache))
        {
            Directory.Delete(_moduleCache, recursive: true);
        }
    }

    private static ProcessWorkerLauncher CreateLauncher() =>
        new(OrionServerProgram.DotnetHost(), [OrionServerProgram.ServerDll()], ["--emulated"]) { StartTimeout = Patience, WorkerLogLevel = LogLevel.Warning };

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting until " + what);
            }
            await Task.Delay(20);
        }
    }

    private async Task<RemoteGpu> ConnectAsync(string name)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var client = await RemoteCudaClient.ConnectAsync(_transports, _server.Endpoints[0], new RemoteCudaClientOptions { ClientName = name }, timeout.Token);
        return new RemoteGpu(client);
    }

    private int WorkerPid(RemoteGpu gpu) =>
        Assert.Single(_server.Workers, w => w.SessionId == gpu.Client.SessionId).ProcessId ?? throw new InvalidOperationException("not a process worker");

    /// <summary>Upload, the samples' vectorAdd kernel, download: a copy and a kernel through the worker.</summary>
    private static void VectorAdd(RemoteGpu gpu, int n, float scale)
    {
        using var module = gpu.LoadModule("// emulated: kernels resolve by name\n"u8);
        var kernel = module.GetKernel("vectorAdd");
        var a = Enumerable.Range(0, n).Select(i => i * scale).ToArray();
        var b = Enumerable.Range(0, n).Select(i => 1f + i).ToArray();
        using var da = gpu.Upload<float>(a);
        using var db = gpu.Upload<float>(b);
        using var dc = gpu.Allocate<float>(n);
        kernel.Launch((uint)((n + 255) / 256), 256u, da, db, dc, n);
        Assert.Equal(a.Zip(b, (x, y) => x + y), dc.ToArray());
    }

    [Fact]
    public async Task Sessions_run_in_worker_processes_that_exit_with_them_and_a_killed_worker_ends_only_its_session()
    {
        var victim = await ConnectAsync("victim");
        var bystander = await ConnectAsync("bystander");
        var victimPid = WorkerPid(victim);
        var bystanderPid = WorkerPid(bystander);
        Assert.NotEqual(victimPid, bystanderPid);
        Assert.NotEqual(Environment.ProcessId, victimPid);
        VectorAdd(victim, 5000, 0.5f);
        VectorAdd(bystander, 7000, 2f);

        // A crash of one worker (as a GPU fault would take it down) ends that client's session only.
        using (var victimProcess = Process.GetProcessById(victimPid))
        {
            victimProcess.Kill();
        }
        await WaitUntilAsync(() => !victim.Client.IsConnected, "the victim saw its session end");
        Assert.NotEqual(CudaStatus.Success, victim.Client.Synchronize());
        await WaitUntilAsync(() => _server.Workers.All(w => w.ProcessId != victimPid), "the supervisor reaped the killed worker");
        VectorAdd(bystander, 7000, 3f);
        Assert.Equal(bystanderPid, Assert.Single(_server.Workers).ProcessId);

        // A client that connects after the crash is served as usual.
        var newcomer = await ConnectAsync("newcomer");
        VectorAdd(newcomer, 1000, 1f);

        // Disconnecting ends the session and its worker process exits.
        await bystander.DisposeAsync();
        await WaitUntilAsync(() => _server.Workers.All(w => w.ProcessId != bystanderPid), "the bystander's worker exited after disconnect");
        Assert.True(ProcessHasExited(bystanderPid));
        await newcomer.DisposeAsync();
        await victim.DisposeAsync();
        await WaitUntilAsync(() => _server.Workers.Count == 0, "every worker exited");
    }

    [Fact]
    public async Task Workers_share_the_servers_module_cache()
    {
        var image = new byte[256 * 1024];
        new Random(11).NextBytes(image);
        var path = Path.Combine(_moduleCache, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image)) + ".image");
        await using (var first = await ConnectAsync("first"))
        {
            using var module = first.LoadModule(image);
            VectorAdd(first, 100, 1f);
        }
        Assert.True(File.Exists(path), "the first worker did not keep the image");
        var aged = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(path, aged);
        await using (var second = await ConnectAsync("second"))
        {
            using var module = second.LoadModule(image);
            module.GetKernel("vectorAdd");
        }
        Assert.True(File.GetLastWriteTimeUtc(path) > aged.AddMinutes(30), "the second worker did not load the image from the cache");
    }

    [Fact]
    public async Task What_a_kernel_prints_in_its_worker_reaches_the_client_before_the_synchronizing_reply()
    {
        // The emulated devicePrintf kernel writes to its worker's descriptor 1, as the CUDA driver prints a
        // kernel's printf; the worker captures it and the client gets it ahead of the reply to Synchronize.
        var printed = new List<(DeviceOutputTarget Target, string Text)>();
        var replied = false;
        var options = new RemoteCudaClientOptions
        {
            ClientName = "printer",
            DeviceOutput = (target, text) =>
            {
                lock (printed)
                {
                    Assert.False(replied, "device output arrived after the synchronizing call returned");
                    printed.Add((target, System.Text.Encoding.ASCII.GetString(text)));
                }
            },
        };
        using var timeout = new CancellationTokenSource(Patience);
        await using var gpu = new RemoteGpu(await RemoteCudaClient.ConnectAsync(_transports, _server.Endpoints[0], options, timeout.Token));
        using var module = gpu.LoadModule("// emulated: kernels resolve by name\n"u8);
        var kernel = module.GetKernel("devicePrintf");
        for (var value = 1; value <= 3; value++)
        {
            kernel.Launch(1u, 1u, value);
        }
        Assert.Equal(CudaStatus.Success, gpu.Client.Synchronize());
        lock (printed)
        {
            replied = true;
            Assert.Equal("device: value 1\ndevice: value 2\ndevice: value 3\n", string.Concat(printed.Select(p => p.Text)));
            Assert.All(printed, p => Assert.Equal(DeviceOutputTarget.StandardOutput, p.Target));
        }

        // A client that does not ask for device output gets none (it stays in the worker's log).
        var quiet = await ConnectAsync("quiet");
        using (var quietModule = quiet.LoadModule("// emulated\n"u8))
        {
            quietModule.GetKernel("devicePrintf").Launch(1u, 1u, 9);
        }
        Assert.Equal(CudaStatus.Success, quiet.Client.Synchronize());
        await quiet.DisposeAsync();
    }

    [Fact]
    public async Task A_real_worker_exits_when_its_supervisor_goes_away_or_no_client_comes()
    {
        var launcher = CreateLauncher();
        var endpoint = new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0);

        // Supervisor gone: disposing the handle closes the worker's stdin; the worker must exit by itself (not be killed).
        var orphan = await launcher.LaunchAsync(new WorkerLaunchRequest(1, endpoint, WorkerTicket.Create(), [0], 1 << 20, Patience), CancellationToken.None);
        Assert.NotNull(orphan.ProcessId);
        await orphan.DisposeAsync();
        Assert.Equal(WorkerExitCodes.SupervisorGone, await orphan.Exited);

        // No client within the connect timeout.
        var lonely = await launcher.LaunchAsync(new WorkerLaunchRequest(2, endpoint, WorkerTicket.Create(), [0], 1 << 20, TimeSpan.FromMilliseconds(300)), CancellationToken.None);
        Assert.Equal(WorkerExitCodes.NoClient, await lonely.Exited.WaitAsync(Patience));
        await lonely.DisposeAsync();
    }

    [Fact]
    public async Task A_real_worker_given_a_malformed_command_line_exits_with_bad_arguments_and_says_why()
    {
        var start = new ProcessStartInfo(OrionServerProgram.DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { OrionServerProgram.ServerDll(), WorkerCommandLine.Command, "--listen-scheme", "tcp", "--listen-host", "127.0.0.1", "--session-id", "1", "--listen-port", "70000" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(WorkerExitCodes.BadArguments, process.ExitCode);
        Assert.Contains("Worker: bad arguments: invalid --listen-port '70000'", await stderr, StringComparison.Ordinal);
        Assert.Equal("", await stdout);
    }

    [Fact]
    public async Task A_worker_that_serves_a_session_until_its_supervisor_goes_away_exits_as_supervisor_gone()
    {
        var launcher = CreateLauncher();
        var ticket = WorkerTicket.Create();
        var worker = await launcher.LaunchAsync(
            new WorkerLaunchRequest(3, new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0), ticket, [0], 1 << 20, Patience), CancellationToken.None);
        using var timeout = new CancellationTokenSource(Patience);
        var client = await RemoteCudaClient.ConnectAsync(_transports, worker.Endpoint, new RemoteCudaClientOptions { AuthToken = ticket }, timeout.Token);
        VectorAdd(new RemoteGpu(client), 500, 1f);

        // The session is live: the worker must still report that its supervisor went away, not that the session ended.
        await worker.DisposeAsync();
        Assert.Equal(WorkerExitCodes.SupervisorGone, await worker.Exited);
        await WaitUntilAsync(() => !client.IsConnected, "the client saw its session end");
        await client.DisposeAsync();
    }

    private static bool ProcessHasExited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process any more
        }
    }
}
