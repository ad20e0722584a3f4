using System.Diagnostics;

namespace Orion.CudartStub.Tests;

/// <summary>
/// Builds the C pieces (libcudart.so.13 and the C test program, with make and gcc) and publishes
/// liborion_client.so (NativeAOT) once per test run. ORION_TEST_CLIENT_LIB may name an already
/// published library to skip the publish.
/// </summary>
internal static class NativeArtifacts
{
    private static readonly Lazy<(string StubDirectory, string TestProgram, string ClientLibrary)> Built = new(Build);
    private static readonly Lazy<string> DriverBuilt = new(BuildDriverTest);
    private static readonly Lazy<string> BothBuilt = new(BuildBothFrontEndsTest);
    private static readonly Lazy<string> PoolsBuilt = new(() => BuildDriverProgram("pools-test", "driver_pools_test"));
    private static readonly Lazy<string> CooperativeBuilt = new(() => BuildDriverProgram("cooperative-test", "driver_cooperative_test"));
    private static readonly Lazy<string> ArraysBuilt = new(() => BuildDriverProgram("arrays-test", "driver_arrays_test"));
    private static readonly Lazy<string> GraphBuilt = new(() => BuildDriverProgram("graph-test", "driver_graph_test"));
    private static readonly Lazy<string> VirtualMemoryBuilt = new(() => BuildDriverProgram("vmm-test", "driver_vmm_test"));
    private static readonly Lazy<string> ServerLossBuilt = new(() => BuildDriverProgram("server-loss-test", "driver_server_loss_test"));

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// The folder for what the tests build (the C libraries and programs, the published client): in the test project's
    /// output folder (bin/, which git ignores and dotnet clean empties), not the temporary folder, and emptied when a
    /// test run first needs it, so that nothing piles up anywhere. It used to be /tmp/orion-cudart-test-PID, left
    /// behind by every run: the test host is ended by the runner, so no exit handler of its own can clean up.
    /// </summary>
    public static string WorkDirectory { get; } = CreateWorkDirectory();

    private static string CreateWorkDirectory()
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "native-work");
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static string TestProgram => Built.Value.TestProgram;

    public static string ClientLibrary => Built.Value.ClientLibrary;

    /// <summary>The driver front end's C test program (native/driver_front_end/test/driver_api_test.c), beside its libcuda.so.1.</summary>
    public static string DriverTestProgram => DriverBuilt.Value;

    /// <summary>A C program that uses both front ends (native/driver_front_end/test/both_front_ends_test.c).</summary>
    public static string BothFrontEndsProgram => BothBuilt.Value;

    /// <summary>The driver front end's memory pool program (native/driver_front_end/test/driver_pools_test.c).</summary>
    public static string DriverPoolsProgram => PoolsBuilt.Value;

    /// <summary>The driver front end's cooperative launch program (native/driver_front_end/test/driver_cooperative_test.c).</summary>
    public static string DriverCooperativeProgram => CooperativeBuilt.Value;

    /// <summary>Builds one of the driver front end's C test programs (a make target) beside its libcuda.so.1.</summary>
    private static string BuildDriverProgram(string target, string program)
    {
        var build = Path.Combine(WorkDirectory, "driver");
        Run("make", ["-s", "-C", Path.Combine(RepositoryRoot, "native", "driver_front_end"), $"BUILD={build}", target],
            TimeSpan.FromMinutes(3));
        return Path.Combine(build, program);
    }

    /// <summary>The driver front end's arrays, textures and surfaces program (native/driver_front_end/test/driver_arrays_test.c).</summary>
    public static string DriverArraysProgram => ArraysBuilt.Value;

    /// <summary>The driver front end's stream capture and graph test (native/driver_front_end/test/driver_graph_test.c).</summary>
    public static string DriverGraphTestProgram => GraphBuilt.Value;

    /// <summary>The driver front end's virtual memory program, PyTorch's expandable segments at the driver level (native/driver_front_end/test/driver_vmm_test.c).</summary>
    public static string DriverVirtualMemoryProgram => VirtualMemoryBuilt.Value;

    /// <summary>A loop that works on the device until its server goes away (native/driver_front_end/test/driver_server_loss_test.c).</summary>
    public static string DriverServerLossProgram => ServerLossBuilt.Value;

    private static string BuildBothFrontEndsTest()
    {
        var build = Path.Combine(WorkDirectory, "driver");
        Run("make", ["-s", "-C", Path.Combine(RepositoryRoot, "native", "driver_front_end"), $"BUILD={build}",
            $"STUB_BUILD={Built.Value.StubDirectory}", "both-test"], TimeSpan.FromMinutes(3));
        return Path.Combine(build, "both_front_ends_test");
    }

    private static string BuildDriverTest()
    {
        var build = Path.Combine(WorkDirectory, "driver");
        Run("make", ["-s", "-C", Path.Combine(RepositoryRoot, "native", "driver_front_end"), $"BUILD={build}", "api-test"],
            TimeSpan.FromMinutes(3));
        return Path.Combine(build, "driver_api_test");
    }

    private static (string, string, string) Build()
    {
        var output = WorkDirectory;
        Directory.CreateDirectory(output);
        var stubBuild = Path.Combine(output, "stub");
        Run("make", ["-s", "-C", Path.Combine(RepositoryRoot, "native", "cudart_stub"), $"BUILD={stubBuild}", "api-test"],
            TimeSpan.FromMinutes(3));
        var client = Environment.GetEnvironmentVariable("ORION_TEST_CLIENT_LIB");
        if (string.IsNullOrEmpty(client))
        {
            var publish = Path.Combine(output, "client");
            Run("dotnet", ["publish", Path.Combine(RepositoryRoot, "src", "Orion.Cuda.Client.Native"), "-c", "Release",
                "-r", "linux-x64", "-o", publish, "-nologo", "-v", "quiet"], TimeSpan.FromMinutes(8));
            client = Path.Combine(publish, "liborion_client.so");
        }
        Assert.True(File.Exists(client), $"the client library was not built: {client}");
        return (stubBuild, Path.Combine(stubBuild, "cudart_api_test"), client);
    }

    public static (int ExitCode, string Output, string Errors) Run(string program, IEnumerable<string> arguments, TimeSpan timeout,
        IDictionary<string, string>? environment = null, bool check = true)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} did not finish within {timeout}: a hang. stderr: {stderr.Result}");
        }
        process.WaitForExit();
        var result = (process.ExitCode, stdout.Result, stderr.Result);
        if (check && result.ExitCode != 0)
        {
            Assert.Fail($"{program} {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Item2}\n{result.Item3}");
        }
        return result;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orion.Transport.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (Orion.Transport.sln)");
    }
}
