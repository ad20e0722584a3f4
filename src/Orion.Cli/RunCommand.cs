namespace Orion.Cli;

/// <summary>
/// <c>orion run</c> and <c>orion env</c>: finds the runtime folder, makes the environment a run gets, and then
/// either replaces orion with the program (<see cref="ProgramExec"/>) or prints the <c>export</c> lines.
/// </summary>
internal sealed class RunCommand
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    public RunCommand(TextWriter output, TextWriter error)
    {
        _output = output;
        _error = error;
    }

    /// <summary>The folder orion's own file is in, where the default runtime folders are looked for.</summary>
    public static string ExecutableDirectory => AppContext.BaseDirectory;

    /// <summary>The runtime folder and the environment for a run with these options (the <c>libcuda.so</c> link made or warned about).</summary>
    /// <param name="server">--server, or null for ORION_SERVER.</param>
    /// <param name="runtime">--runtime, or null for the lookup.</param>
    /// <param name="vgpu">The --vgpu-* options.</param>
    /// <param name="gpus">--gpus: the servers are asked what they have free (<see cref="GpuSelection"/>); null for none.</param>
    public (RuntimeFolder Runtime, RunEnvironment Environment) Prepare(string? server, string? runtime, VGpuChoice? vgpu = null, int? gpus = null)
    {
        var folder = RuntimeFolder.Find(runtime, System.Environment.GetEnvironmentVariable(RuntimeFolder.EnvironmentVariable), ExecutableDirectory);
        // The options are checked (a malformed server or vGPU option is exit code 2) before any server is asked.
        var environment = RunEnvironment.Compute(folder.Path, folder.ClientLibrary, server, System.Environment.GetEnvironmentVariable, vgpu);
        if (gpus is { } wanted)
        {
            var selection = SelectGpus(wanted, server, vgpu ?? VGpuChoice.None);
            environment = RunEnvironment.Compute(folder.Path, folder.ClientLibrary, server, System.Environment.GetEnvironmentVariable, vgpu, selection);
        }
        if (folder.EnsureTritonLink() is { } warning)
        {
            _error.WriteLine("orion: warning: " + warning);
            _error.Flush();
        }
        return (folder, environment);
    }

    /// <summary>
    /// <c>--gpus N</c>: asks each server in turn (as <c>orion smi</c> does, with the run's vGPU request, for at most
    /// <see cref="QueryTimeout"/>) until N GPUs are found, and picks the sessions that give them.
    /// </summary>
    private static GpuSelection SelectGpus(int wanted, string? server, VGpuChoice vgpu)
    {
        if (wanted is < 1 or > GpuSelection.MaxGpus)
        {
            throw new CliException($"--gpus {wanted} is not a number of GPUs between 1 and {GpuSelection.MaxGpus}", ExitCodes.Usage);
        }
        var request = vgpu.ToRequest();
        var servers = SmiCommand.Servers(server, System.Environment.GetEnvironmentVariable(RunEnvironment.Server));
        foreach (var endpoint in servers)
        {
            if (endpoint.Scheme != Orion.Transport.Tcp.TcpTransport.Scheme)
            {
                throw new CliException($"--gpus counts the GPUs of tcp:// servers only; {endpoint} is not one (leave out --gpus to use every device it offers)", ExitCodes.Usage);
            }
        }
        var query = new ServerQuery(QueryTimeout,
            SmiCommand.Token(System.Environment.GetEnvironmentVariable("ORION_TOKEN"), System.Environment.GetEnvironmentVariable("ORION_TOKEN_FILE")));
        var reports = new List<ServerReport>();
        var found = 0;
        foreach (var endpoint in servers)
        {
            if (found >= wanted)
            {
                break; // later servers are not needed, and not asked
            }
            var report = query.QueryAsync(endpoint, CancellationToken.None, request).GetAwaiter().GetResult();
            reports.Add(report);
            found += GpuSelection.Offer(report, request).Gpus;
        }
        return GpuSelection.Choose(wanted, reports, request);
    }

    /// <summary>How long each server may take to answer <c>--gpus</c>'s question.</summary>
    public static TimeSpan QueryTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary><c>orion env</c>, <c>orion run --print-env</c>: the settings as shell <c>export</c> lines.</summary>
    public int PrintEnvironment(string? server, string? runtime, VGpuChoice? vgpu = null, int? gpus = null)
    {
        var (_, environment) = Prepare(server, runtime, vgpu, gpus);
        _output.Write(environment.ToShellExports());
        _output.Flush();
        return ExitCodes.Success;
    }

    /// <summary><c>orion run</c>: returns only by an exception (the program could not be run).</summary>
    public int Run(string? server, string? runtime, IReadOnlyList<string> command, VGpuChoice? vgpu = null, int? gpus = null)
    {
        if (command.Count == 0)
        {
            throw new CliException("run: no program given (orion run [--server URL] [--runtime DIR] -- PROGRAM [ARGS...])", ExitCodes.Usage);
        }
        var (_, environment) = Prepare(server, runtime, vgpu, gpus);
        ProgramExec.Exec(command[0], command, environment.Apply(ProgramExec.CurrentEnvironment()));
        return ExitCodes.Failure; // not reached: Exec replaces the process or throws
    }
}
