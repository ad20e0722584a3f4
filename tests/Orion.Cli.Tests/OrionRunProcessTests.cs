using System.Text;

namespace Orion.Cli.Tests;

/// <summary>
/// <c>orion run</c> end to end: the built orion replaces itself with a shell, which reports what it was given. A
/// runtime folder with the three file names present (empty files: nothing here loads them) stands in for Orion's.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class OrionRunProcessTests : IDisposable
{
    private readonly string _runtime = Directory.CreateTempSubdirectory("orion-cli-run-").FullName;

    public OrionRunProcessTests()
    {
        foreach (var file in RuntimeFolder.RequiredFiles)
        {
            File.WriteAllBytes(Path.Combine(_runtime, file), []);
        }
    }

    public void Dispose() => Directory.Delete(_runtime, recursive: true);

    private string[] Run(params string[] program) =>
        ["run", "--runtime", _runtime, "--server", "tcp://127.0.0.1:1", "--", .. program];

    private static readonly Dictionary<string, string?> Clean = new()
    {
        ["ORION_SERVER"] = null,
        ["ORION_RUNTIME"] = null,
        ["ORION_CLIENT_LIB"] = null,
        ["TRITON_LIBCUDA_PATH"] = null,
        ["ORION_VGPU_MEMORY"] = null,
        ["ORION_VGPU_SHARE"] = null,
        ["ORION_VGPU_DEVICE"] = null,
        ["LD_LIBRARY_PATH"] = "/usr/local/lib/test-path",
    };

    [Fact]
    public async Task The_program_gets_the_server_the_client_library_and_the_runtime_folder_and_its_exit_code_is_orions()
    {
        var result = await OrionProcess.RunOrionAsync(
            Run("/bin/sh", "-c", "echo \"$ORION_SERVER|$ORION_CLIENT_LIB|$TRITON_LIBCUDA_PATH\"; echo \"$LD_LIBRARY_PATH\"; exit 7"), Clean);
        Assert.Equal("", result.Error);
        Assert.Equal(7, result.ExitCode);
        var lines = result.OutputText.Split('\n');
        Assert.Equal($"tcp://127.0.0.1:1|{_runtime}/liborion_client.so|{_runtime}", lines[0]);
        Assert.StartsWith(_runtime + ":", lines[1], StringComparison.Ordinal);
        Assert.Equal(_runtime + ":/usr/local/lib/test-path", lines[1]);
        // The link Triton needs, made in the writable folder.
        Assert.Equal("libcuda.so.1", new FileInfo(Path.Combine(_runtime, "libcuda.so")).LinkTarget);
    }

    [Fact]
    public async Task The_vGPU_options_reach_the_program_as_the_client_librarys_variables()
    {
        var result = await OrionProcess.RunOrionAsync(
            ["run", "--runtime", _runtime, "--server", "tcp://127.0.0.1:1", "--vgpu-memory", "24G", "--vgpu-share", "30", "--",
                "/bin/sh", "-c", "echo \"$ORION_VGPU_MEMORY|$ORION_VGPU_SHARE|${ORION_VGPU_DEVICE-unset}\""], Clean);
        Assert.Equal("", result.Error);
        Assert.Equal("24G|30|unset\n", result.OutputText);
    }

    [Fact]
    public async Task The_program_keeps_orions_process_id()
    {
        var result = await OrionProcess.RunOrionAsync(Run("/bin/sh", "-c", "echo $$"), Clean);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(result.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), result.OutputText.Trim());
    }

    [Fact]
    public async Task Every_other_variable_passes_through_byte_for_byte()
    {
        // A value that is not UTF-8 can only be made outside .NET: a shell sets it and execs orion.
        var result = await OrionProcess.RunAsync("/bin/sh",
        [
            "-c", "ODD=$(printf 'a\\377b'); export ODD; exec \"$0\" \"$@\"",
            OrionProcess.Executable, .. Run("/bin/sh", "-c", "printf '%s|%s' \"$ODD\" \"$PLAIN\""),
        ], new Dictionary<string, string?>(Clean) { ["PLAIN"] = "x y=z 'q'" });
        Assert.Equal(0, result.ExitCode);
        Assert.Equal([.. "a"u8, 0xFF, .. "b|x y=z 'q'"u8], result.Output);
    }

    [Fact]
    public async Task The_programs_environment_is_orions_with_the_four_settings()
    {
        var given = new Dictionary<string, string?>(Clean) { ["TRITON_LIBCUDA_PATH"] = "/mine" };
        var result = await OrionProcess.RunOrionAsync(Run("/usr/bin/env", "-0"), given);
        Assert.Equal(0, result.ExitCode);
        var seen = Encoding.UTF8.GetString(result.Output).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2)).ToDictionary(parts => parts[0], parts => parts[1]);

        var expected = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(entry => (string)entry.Key, entry => (string?)entry.Value);
        foreach (var (name, value) in given)
        {
            expected[name] = value;
        }
        expected["LD_LIBRARY_PATH"] = _runtime + ":/usr/local/lib/test-path";
        expected["ORION_CLIENT_LIB"] = _runtime + "/liborion_client.so";
        expected["ORION_SERVER"] = "tcp://127.0.0.1:1";
        Assert.Equal(
            expected.Where(entry => entry.Value is not null).Select(entry => $"{entry.Key}={entry.Value}").Order(StringComparer.Ordinal),
            seen.Select(entry => $"{entry.Key}={entry.Value}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_program_gets_the_signal_mask_and_ignored_signals_a_program_started_directly_gets_but_sigpipe_at_its_default()
    {
        // The parent ignores SIGHUP and SIGUSR2 (as nohup and shells' traps do): the program must too. SIGPIPE is the
        // one exception: the .NET runtime ignores it before orion's code runs, so orion cannot know the parent's
        // choice and gives it back at its default, as nearly every program is started with it.
        const string ignoring = "trap '' HUP USR2; exec \"$0\" \"$@\"";
        string[] probe = ["/bin/sh", "-c", "grep -E '^Sig(Blk|Ign):' /proc/self/status"];
        var direct = await OrionProcess.RunAsync("/bin/sh", ["-c", ignoring, .. probe], Clean);
        var through = await OrionProcess.RunAsync("/bin/sh", ["-c", ignoring, OrionProcess.Executable, .. Run(probe)], Clean);
        Assert.Equal(0, through.ExitCode);

        static (ulong Blocked, ulong Ignored) Read(string status)
        {
            var fields = status.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(':', 2))
                .ToDictionary(parts => parts[0], parts => ulong.Parse(parts[1].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture));
            return (fields["SigBlk"], fields["SigIgn"]);
        }
        const ulong Sighup = 1UL << (1 - 1), Sigpipe = 1UL << (13 - 1), Sigusr2 = 1UL << (12 - 1);
        var (directBlocked, directIgnored) = Read(direct.OutputText);
        var (blocked, ignored) = Read(through.OutputText);
        Assert.Equal(Sighup | Sigusr2, directIgnored & (Sighup | Sigusr2));
        Assert.Equal(directBlocked, blocked);
        Assert.Equal(directIgnored & ~Sigpipe, ignored);
    }

    [Fact]
    public async Task A_program_that_does_not_exist_is_one_line_and_exit_code_127()
    {
        var result = await OrionProcess.RunOrionAsync(Run("/no/such/program"), Clean);
        Assert.Equal(127, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal("orion: cannot run /no/such/program: No such file or directory\n", result.Error);

        result = await OrionProcess.RunOrionAsync(Run("no-such-program-on-the-path"), Clean);
        Assert.Equal(127, result.ExitCode);
        Assert.Equal("orion: cannot run no-such-program-on-the-path: No such file or directory\n", result.Error);
    }

    [Fact]
    public async Task A_file_that_cannot_be_executed_is_exit_code_126()
    {
        var result = await OrionProcess.RunOrionAsync(Run(Path.Combine(_runtime, "libcuda.so.1")), Clean);
        Assert.Equal(126, result.ExitCode);
        Assert.Equal($"orion: cannot run {_runtime}/libcuda.so.1: Permission denied\n", result.Error);
    }

    [Fact]
    public async Task A_script_without_an_interpreter_line_is_run_by_the_shell()
    {
        var script = Path.Combine(_runtime, "script");
        File.WriteAllText(script, "echo \"script $1\"\nexit 3\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var result = await OrionProcess.RunOrionAsync(Run(script, "arg"), Clean);
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("script arg\n", result.OutputText);
    }

    [Fact]
    public async Task An_incomplete_runtime_folder_is_one_line_and_exit_code_2()
    {
        File.Delete(Path.Combine(_runtime, "liborion_client.so"));
        var result = await OrionProcess.RunOrionAsync(Run("/bin/true"), Clean);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"orion: the runtime folder {_runtime} (from --runtime) lacks liborion_client.so\n", result.Error);
    }

    [Fact]
    public async Task No_server_is_one_line_and_exit_code_2()
    {
        var result = await OrionProcess.RunOrionAsync(["run", "--runtime", _runtime, "--", "/bin/true"], Clean);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("orion: no server: give one with --server URL (e.g. tcp://gpu-host:7000) or set ORION_SERVER\n", result.Error);
    }

    [Fact]
    public async Task Env_prints_exports_a_shell_can_eval()
    {
        var result = await OrionProcess.RunAsync("/bin/sh",
            ["-c", "eval \"$(\"$0\" env --runtime \"$1\")\" && echo \"$ORION_SERVER|$TRITON_LIBCUDA_PATH|$LD_LIBRARY_PATH\"", OrionProcess.Executable, _runtime],
            new Dictionary<string, string?>(Clean) { ["ORION_SERVER"] = "tcp://gpu:7000" });
        Assert.Equal("", result.Error);
        Assert.Equal($"tcp://gpu:7000|{_runtime}|{_runtime}:/usr/local/lib/test-path\n", result.OutputText);
    }
}
