namespace Orion.Cli.Tests;

/// <summary>orion's options as parsed, and what a wrong command line gets: one line on stderr and exit code 2.</summary>
public sealed class CommandLineTests
{
    private static readonly CommandTree Tree = new(TextWriter.Null, TextWriter.Null);

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = OrionCli.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static void AssertOneLineError(string error, string expected)
    {
        Assert.StartsWith("orion: ", error, StringComparison.Ordinal);
        Assert.EndsWith("\n", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_takes_its_options_then_the_program_and_its_arguments()
    {
        var parse = Tree.Parse(["run", "--server", "tcp://gpu:7000", "--runtime", "/opt/orion", "--", "python3", "train.py", "--lr", "1"]);
        Assert.Empty(parse.Errors);
        Assert.Equal("tcp://gpu:7000", parse.GetValue(Tree.RunServer));
        Assert.Equal("/opt/orion", parse.GetValue(Tree.RunRuntime));
        Assert.Equal(["python3", "train.py", "--lr", "1"], parse.GetValue(Tree.RunProgram)!);
        Assert.False(parse.GetValue(Tree.RunPrintEnvironment));
    }

    [Fact]
    public void Run_takes_the_vGPU_options_before_the_program()
    {
        var parse = Tree.Parse(["run", "--vgpu-memory", "24G", "--vgpu-share", "30", "--vgpu-device", "1", "prog", "--vgpu-memory", "1G"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(("24G", "30", "1"), (parse.GetValue(Tree.RunVGpuMemory), parse.GetValue(Tree.RunVGpuShare), parse.GetValue(Tree.RunVGpuDevice)));
        Assert.Equal(["prog", "--vgpu-memory", "1G"], parse.GetValue(Tree.RunProgram)!);
    }

    [Fact]
    public void Everything_after_the_program_name_is_the_programs_even_without_a_double_dash()
    {
        var parse = Tree.Parse(["run", "-s", "gpu:7000", "sh", "-c", "x", "--server", "other:1", "--", "--help", "@file"]);
        Assert.Empty(parse.Errors);
        Assert.Equal("gpu:7000", parse.GetValue(Tree.RunServer));
        Assert.Null(parse.GetValue(Tree.RunRuntime));
        Assert.Equal(["sh", "-c", "x", "--server", "other:1", "--", "--help", "@file"], parse.GetValue(Tree.RunProgram)!);
    }

    [Fact]
    public void A_second_double_dash_reaches_the_program()
    {
        var parse = Tree.Parse(["run", "--", "prog", "--", "x"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(["prog", "--", "x"], parse.GetValue(Tree.RunProgram)!);
    }

    [Fact]
    public void Run_print_env_and_env_need_no_program()
    {
        var run = Tree.Parse(["run", "--print-env", "-r", "/opt/orion"]);
        Assert.Empty(run.Errors);
        Assert.True(run.GetValue(Tree.RunPrintEnvironment));
        Assert.Empty(run.GetValue(Tree.RunProgram) ?? []);

        var env = Tree.Parse(["env", "--server", "tcp://gpu:7000", "--runtime", "/opt/orion"]);
        Assert.Empty(env.Errors);
        Assert.Equal("tcp://gpu:7000", env.GetValue(Tree.EnvServer));
        Assert.Equal("/opt/orion", env.GetValue(Tree.EnvRuntime));
    }

    [Fact]
    public void Smi_waits_five_seconds_unless_told()
    {
        var plain = Tree.Parse(["smi"]);
        Assert.Empty(plain.Errors);
        Assert.Equal(5, plain.GetValue(Tree.SmiTimeout));
        Assert.Null(plain.GetValue(Tree.SmiServer));

        var told = Tree.Parse(["smi", "-s", "tcp://gpu:7000", "--timeout", "0.5"]);
        Assert.Empty(told.Errors);
        Assert.Equal(0.5, told.GetValue(Tree.SmiTimeout));
        Assert.Equal("tcp://gpu:7000", told.GetValue(Tree.SmiServer));
    }

    [Theory]
    [InlineData(new[] { "bogus" }, "Unrecognized command or argument 'bogus'")]
    [InlineData(new string[0], "Required command was not provided")]
    [InlineData(new[] { "smi", "--timeout", "soon" }, "'soon'")]
    [InlineData(new[] { "run", "--server" }, "--server")]
    [InlineData(new[] { "smi", "--no-such-option" }, "'--no-such-option'")]
    public void A_wrong_command_line_is_one_line_and_exit_code_2(string[] args, string expected)
    {
        var (exitCode, output, error) = Run(args);
        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        AssertOneLineError(error, expected);
    }

    [Fact]
    public void Run_without_a_program_says_how_to_give_one()
    {
        var (exitCode, _, error) = Run("run", "--server", "tcp://gpu:7000");
        Assert.Equal(2, exitCode);
        AssertOneLineError(error, "no program given (orion run [--server URL] [--runtime DIR] -- PROGRAM [ARGS...])");
    }

    [Fact]
    public void Print_env_with_a_program_is_refused()
    {
        var (exitCode, _, error) = Run("run", "--print-env", "python3");
        Assert.Equal(2, exitCode);
        AssertOneLineError(error, "--print-env runs no program");
    }

    [Fact]
    public void A_bad_smi_timeout_is_refused_before_connecting()
    {
        var (exitCode, _, error) = Run("smi", "--server", "tcp://127.0.0.1:1", "--timeout", "0");
        Assert.Equal(2, exitCode);
        AssertOneLineError(error, "--timeout 0 is not a number of seconds");
    }

    [Fact]
    public void Help_lists_the_commands_and_each_commands_options()
    {
        var (exitCode, output, error) = Run("--help");
        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        foreach (var command in new[] { "run", "env", "smi", "--version" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }

        (exitCode, output, _) = Run("run", "--help");
        Assert.Equal(0, exitCode);
        foreach (var option in new[] { "--server", "--runtime", "--print-env", "ORION_RUNTIME", "PROGRAM" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }

        (exitCode, output, _) = Run("smi", "--help");
        Assert.Equal(0, exitCode);
        Assert.Contains("--timeout", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_is_the_assemblys()
    {
        var (exitCode, output, error) = Run("--version");
        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
    }
}
