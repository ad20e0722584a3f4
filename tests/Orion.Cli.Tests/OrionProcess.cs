using System.Diagnostics;

namespace Orion.Cli.Tests;

/// <summary>Runs the built orion (the apphost the test project's build puts beside the tests) as a process of its own.</summary>
internal static class OrionProcess
{
    public static string Executable
    {
        get
        {
            var path = Path.Combine(AppContext.BaseDirectory, "orion");
            Assert.True(File.Exists(path), $"the orion executable is not at {path}");
            return path;
        }
    }

    internal sealed record Result(int ExitCode, byte[] Output, string Error, int ProcessId, TimeSpan Elapsed)
    {
        public string OutputText => System.Text.Encoding.UTF8.GetString(Output);
    }

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>, the test's environment changed by <paramref name="environment"/> (null removes).</summary>
    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        using var output = new MemoryStream();
        var copyOutput = process.StandardOutput.BaseStream.CopyToAsync(output);
        var readError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        await copyOutput;
        var error = await readError;
        watch.Stop();
        return new Result(process.ExitCode, output.ToArray(), error, process.Id, watch.Elapsed);
    }

    public static Task<Result> RunOrionAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        RunAsync(Executable, arguments, environment);
}
