using System.Diagnostics;
using System.Text;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The sample host samples/orion-server as a process: the build of the same configuration as this test build (it is
/// a project reference), run with dotnet. Set <c>ORION_SERVER_DLL</c> to use another build of orion-server.dll.
/// </summary>
internal static class OrionServerProgram
{
    /// <summary>The variables through which orion-server takes a token or its vGPUs, removed from every run's environment unless a test sets them.</summary>
    private static readonly string[] TokenVariables =
        ["ORION_TOKEN", "ORION_TOKEN_FILE", "ORION_CONFIG", "ORION_VGPUS", "ORION_VGPU_SLICES", "ORION_MEMORY_OVERSUBSCRIPTION"];

    public static string DotnetHost()
    {
        var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromCli) && File.Exists(fromCli))
        {
            return fromCli;
        }
        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>orion-server.dll of the same configuration as this test build (bin/&lt;Configuration&gt;/&lt;tfm&gt;/).</summary>
    public static string ServerDll()
    {
        var overridden = Environment.GetEnvironmentVariable("ORION_SERVER_DLL");
        if (!string.IsNullOrEmpty(overridden))
        {
            return File.Exists(overridden) ? overridden : throw new FileNotFoundException("ORION_SERVER_DLL does not exist", overridden);
        }
        return SampleDll("orion-server", "orion-server.dll");
    }

    /// <summary>A sample's program of the same configuration as this test build (samples/&lt;project&gt;/bin/&lt;Configuration&gt;/&lt;tfm&gt;/).</summary>
    public static string SampleDll(string project, string dll)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var tfm = output.Name;
        var configuration = output.Parent?.Name ?? "Debug";
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orion.Transport.sln")))
            {
                var candidate = Path.Combine(dir.FullName, "samples", project, "bin", configuration, tfm, dll);
                return File.Exists(candidate) ? candidate : throw new FileNotFoundException($"{dll} was not built next to this test build", candidate);
            }
        }
        throw new DirectoryNotFoundException($"No Orion.Transport.sln above {output.FullName}; set ORION_SERVER_DLL.");
    }

    /// <summary>Starts orion-server with <paramref name="arguments"/>; its stdout and stderr are collected together.</summary>
    public static Running Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        StartDll(ServerDll(), arguments, environment);

    /// <summary>Starts the program <paramref name="dll"/> with dotnet; its stdout and stderr are collected together.</summary>
    public static Running StartDll(string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var name in TokenVariables)
        {
            start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        return new Running(Process.Start(start)!);
    }

    /// <summary>Runs orion-server to its end (it must end within <paramref name="timeout"/>): its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null) =>
        RunDllAsync(ServerDll(), arguments, timeout, environment);

    /// <summary>Runs the program <paramref name="dll"/> to its end (it must end within <paramref name="timeout"/>): its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunDllAsync(string dll, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var running = StartDll(dll, arguments, environment);
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await running.Process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            running.Process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(dll)} did not exit within {timeout}:\n{running.Output}");
        }
        await running.Drained;
        return (running.Process.ExitCode, running.Output);
    }

    /// <summary>A running orion-server, killed when disposed.</summary>
    public sealed class Running : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly Lock _gate = new();

        public Running(Process process)
        {
            Process = process;
            Drained = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
        }

        public Process Process { get; }

        /// <summary>Completes when both output streams have ended.</summary>
        public Task Drained { get; }

        public string Output
        {
            get
            {
                lock (_gate)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>Waits until the output holds <paramref name="text"/>; fails if the process exits first or time runs out.</summary>
        public async Task WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                if (Process.HasExited)
                {
                    await Drained;
                    if (Output.Contains(text, StringComparison.Ordinal))
                    {
                        return;
                    }
                    Assert.Fail($"orion-server exited with {Process.ExitCode} before printing '{text}':\n{Output}");
                }
                if (DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"orion-server did not print '{text}' within {timeout}:\n{Output}");
                }
                await Task.Delay(50);
            }
        }

        private async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_gate)
                {
                    _output.AppendLine(line);
                }
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }
            Process.Dispose();
        }
    }
}
