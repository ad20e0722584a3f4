using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;

namespace Orion.Cli;

/// <summary>
/// orion's commands and options (System.CommandLine): <c>run</c>, <c>env</c> and <c>smi</c>, with <c>--help</c> on
/// each and <c>--version</c>. Everything after the program's name belongs to the program, options included, with
/// or without <c>--</c> before it; response files (<c>@file</c>) are off, since a program's argument may start with <c>@</c>.
/// </summary>
internal sealed class CommandTree
{
    private const string ServerHelp = "The Orion server, tcp://host:port (several, comma-separated, give several GPUs); default: $ORION_SERVER.";
    private const string RuntimeHelp = "The folder with Orion's libcuda.so.1, libnvidia-ml.so.1 and liborion_client.so; "
        + "default: $ORION_RUNTIME, else runtime/ beside orion, else ../lib/orion beside it.";

    private const int HelpWidth = 100;

    private static readonly ParserConfiguration s_parserConfiguration = new() { ResponseFileTokenReplacer = null };

    public CommandTree(TextWriter output, TextWriter error)
    {
        var run = new RunCommand(output, error);
        var smi = new SmiCommand(output);

        RunServer = new Option<string?>("--server", "-s") { Description = ServerHelp, HelpName = "URL" };
        RunRuntime = new Option<string?>("--runtime", "-r") { Description = RuntimeHelp, HelpName = "DIR" };
        RunPrintEnvironment = new Option<bool>("--print-env")
        {
            Description = "Print the export lines that set up a shell for Orion instead of running a program (as orion env).",
        };
        RunVGpuMemory = new Option<string?>("--vgpu-memory")
        {
            Description = "Ask the server for a vGPU with at least this much memory, e.g. 24G (sets ORION_VGPU_MEMORY).",
            HelpName = "SIZE",
        };
        RunVGpuShare = new Option<string?>("--vgpu-share")
        {
            Description = "Ask the server for a vGPU with at least this compute share, in percent (sets ORION_VGPU_SHARE).",
            HelpName = "PERCENT",
        };
        RunVGpuDevice = new Option<string?>("--vgpu-device")
        {
            Description = "Ask for the vGPU on this device of the server (sets ORION_VGPU_DEVICE).",
            HelpName = "N",
        };
        RunGpus = new Option<int?>("--gpus", "-n")
        {
            Description = "Give the program exactly N GPUs, the first free ones of the servers in order (a vGPU each where the server divides "
                + "its GPUs); fewer free is an error before it runs (sets ORION_SERVER and ORION_MAX_DEVICES).",
            HelpName = "N",
        };
        RunProgram = new Argument<string[]>("program")
        {
            Description = "The program and its arguments, passed on unchanged: everything from the program's name on is the program's.",
            Arity = ArgumentArity.ZeroOrMore,
            CaptureRemainingTokens = true,
        };
        var runCommand = new Command("run", "Run a program unchanged through Orion: orion run [--server URL] [--gpus N] [--runtime DIR] [--] PROGRAM [ARGS...]. "
            + "The program takes orion's place (its process id, signals, exit code); options after its name are its own.")
        {
            RunServer, RunGpus, RunRuntime, RunVGpuMemory, RunVGpuShare, RunVGpuDevice, RunPrintEnvironment, RunProgram,
        };
        runCommand.SetAction(parse =>
        {
            var program = parse.GetValue(RunProgram) ?? [];
            var vgpu = new VGpuChoice(parse.GetValue(RunVGpuMemory), parse.GetValue(RunVGpuShare), parse.GetValue(RunVGpuDevice));
            if (parse.GetValue(RunPrintEnvironment))
            {
                return program.Length == 0
                    ? run.PrintEnvironment(parse.GetValue(RunServer), parse.GetValue(RunRuntime), vgpu, parse.GetValue(RunGpus))
                    : throw new CliException("run --print-env runs no program; leave out " + program[0], ExitCodes.Usage);
            }
            return run.Run(parse.GetValue(RunServer), parse.GetValue(RunRuntime), program, vgpu, parse.GetValue(RunGpus));
        });

        EnvServer = new Option<string?>("--server", "-s") { Description = ServerHelp, HelpName = "URL" };
        EnvRuntime = new Option<string?>("--runtime", "-r") { Description = RuntimeHelp, HelpName = "DIR" };
        var envCommand = new Command("env", "Print the export lines that set up a shell for Orion: eval \"$(orion env --server URL)\".")
        {
            EnvServer, EnvRuntime,
        };
        envCommand.SetAction(parse => run.PrintEnvironment(parse.GetValue(EnvServer), parse.GetValue(EnvRuntime)));

        SmiServer = new Option<string?>("--server", "-s") { Description = ServerHelp, HelpName = "URL" };
        SmiTimeout = new Option<double>("--timeout", "-t")
        {
            Description = "Seconds to wait for each server to connect and answer.",
            DefaultValueFactory = _ => 5,
            HelpName = "SECONDS",
        };
        var smiCommand = new Command("smi", "Show the GPUs the server offers (name, UUID, memory, utilization), its vGPUs (free or held) and its sessions.")
        {
            SmiServer, SmiTimeout,
        };
        smiCommand.SetAction((parse, cancellationToken) =>
            smi.RunAsync(parse.GetValue(SmiServer), parse.GetValue(SmiTimeout), cancellationToken));

        Root = new RootCommand("orion: run unmodified CUDA programs on the GPUs of an Orion server.")
        {
            runCommand, envCommand, smiCommand,
        };
        // A set width: asking the console for the terminal's would switch the terminal's keypad mode (StandardStream).
        foreach (var help in Root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction action)
            {
                action.MaxWidth = HelpWidth;
            }
        }
    }

    public RootCommand Root { get; }

    public Option<string?> RunServer { get; }

    public Option<string?> RunRuntime { get; }

    public Option<bool> RunPrintEnvironment { get; }

    public Option<string?> RunVGpuMemory { get; }

    public Option<string?> RunVGpuShare { get; }

    public Option<string?> RunVGpuDevice { get; }

    public Option<int?> RunGpus { get; }

    public Argument<string[]> RunProgram { get; }

    public Option<string?> EnvServer { get; }

    public Option<string?> EnvRuntime { get; }

    public Option<string?> SmiServer { get; }

    public Option<double> SmiTimeout { get; }

    public ParseResult Parse(IReadOnlyList<string> args) => Root.Parse(args, s_parserConfiguration);
}
