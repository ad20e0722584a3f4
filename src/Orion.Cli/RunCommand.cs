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
    public (RuntimeFolder Runtime, RunEnvironment Environment) Prepare(string? server, string? runtime, VGpuChoice? vgpu = null)
    {
        var folder = RuntimeFolder.Find(runtime, System.Environment.GetEnvironmentVariable(RuntimeFolder.EnvironmentVariable), ExecutableDirectory);
        var environment = RunEnvironment.Compute(folder.Path, folder.ClientLibrary, server, System.Environment.GetEnvironmentVariable, vgpu);
        if (folder.EnsureTritonLink() is { } warning)
        {
            _error.WriteLine("orion: warning: " + warning);
            _error.Flush();
        }
        return (folder, environment);
    }

    /// <summary><c>orion env</c>, <c>orion run --print-env</c>: the settings as shell <c>export</c> lines.</summary>
    public int PrintEnvironment(string? server, string? runtime, VGpuChoice? vgpu = null)
    {
        var (_, environment) = Prepare(server, runtime, vgpu);
        _output.Write(environment.ToShellExports());
        _output.Flush();
        return ExitCodes.Success;
    }

    /// <summary><c>orion run</c>: returns only by an exception (the program could not be run).</summary>
    public int Run(string? server, string? runtime, IReadOnlyList<string> command, VGpuChoice? vgpu = null)
    {
        if (command.Count == 0)
        {
            throw new CliException("run: no program given (orion run [--server URL] [--runtime DIR] -- PROGRAM [ARGS...])", ExitCodes.Usage);
        }
        var (_, environment) = Prepare(server, runtime, vgpu);
        ProgramExec.Exec(command[0], command, environment.Apply(ProgramExec.CurrentEnvironment()));
        return ExitCodes.Failure; // not reached: Exec replaces the process or throws
    }
}
