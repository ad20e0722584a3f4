namespace Orion.Cli.Tests;

/// <summary>Where orion looks for Orion's libraries, in which order, and what it says when they are not there.</summary>
public sealed class RuntimeFolderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("orion-cli-runtime-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A folder under the test's root holding the named files (the three a runtime needs by default).</summary>
    private string Folder(string relative, params string[] files)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(path);
        foreach (var file in files.Length == 0 ? RuntimeFolder.RequiredFiles : files)
        {
            File.WriteAllBytes(Path.Combine(path, file), []);
        }
        return path;
    }

    private string Bin => Path.Combine(_root, "bin");

    private static CliException Refused(Action action)
    {
        var error = Assert.Throws<CliException>(action);
        Assert.Equal(2, error.ExitCode);
        Assert.DoesNotContain('\n', error.Message);
        return error;
    }

    [Fact]
    public void The_option_comes_first_then_the_variable_then_beside_orion()
    {
        var option = RuntimeFolder.Candidates("/opt/a/", "/opt/b", "/usr/local/bin");
        Assert.Equal([("/opt/a", "--runtime")], option);

        var variable = RuntimeFolder.Candidates(null, "/opt/b", "/usr/local/bin");
        Assert.Equal([("/opt/b", "ORION_RUNTIME")], variable);

        var beside = RuntimeFolder.Candidates(null, " ", "/usr/local/bin");
        Assert.Equal(["/usr/local/bin/runtime", "/usr/local/lib/orion"], beside.Select(candidate => candidate.Path));
    }

    [Fact]
    public void A_relative_folder_is_made_absolute()
    {
        var candidates = RuntimeFolder.Candidates("runtime", null, "/x");
        Assert.Equal(Path.Combine(Environment.CurrentDirectory, "runtime"), candidates[0].Path);
    }

    [Fact]
    public void The_named_folder_is_used_when_complete()
    {
        var runtime = Folder("named");
        Folder("bin/runtime");
        var found = RuntimeFolder.Find(runtime, null, Bin);
        Assert.Equal(runtime, found.Path);
        Assert.Equal(Path.Combine(runtime, "liborion_client.so"), found.ClientLibrary);
    }

    [Fact]
    public void A_named_folder_is_the_only_one_looked_at()
    {
        Folder("bin/runtime");
        var incomplete = Folder("named", "libcuda.so.1");
        var error = Refused(() => RuntimeFolder.Find(null, incomplete, Bin));
        Assert.Equal($"the runtime folder {incomplete} (from ORION_RUNTIME) lacks libnvidia-ml.so.1 and liborion_client.so", error.Message);

        var missing = Path.Combine(_root, "nowhere");
        error = Refused(() => RuntimeFolder.Find(missing, null, Bin));
        Assert.Equal($"the runtime folder {missing} (from --runtime) does not exist", error.Message);
    }

    [Fact]
    public void Beside_orion_runtime_comes_before_lib_orion()
    {
        var first = Folder("bin/runtime");
        Folder("lib/orion");
        Assert.Equal(first, RuntimeFolder.Find(null, null, Bin).Path);
    }

    [Fact]
    public void Lib_orion_is_taken_when_runtime_beside_orion_is_incomplete()
    {
        Folder("bin/runtime", "libcuda.so.1", "libnvidia-ml.so.1");
        var second = Folder("lib/orion");
        Assert.Equal(second, RuntimeFolder.Find(null, null, Bin).Path);
    }

    [Fact]
    public void No_folder_beside_orion_names_each_place_and_what_it_lacks()
    {
        var runtime = Folder("bin/runtime", "libcuda.so.1", "libnvidia-ml.so.1");
        var error = Refused(() => RuntimeFolder.Find(null, "", Bin));
        Assert.Equal(
            $"no Orion runtime folder beside orion: {runtime} lacks liborion_client.so; {Path.Combine(_root, "lib", "orion")} does not exist "
                + "(name one with --runtime DIR or ORION_RUNTIME)",
            error.Message);
    }

    [Fact]
    public void An_empty_runtime_option_is_refused()
    {
        var error = Refused(() => RuntimeFolder.Find("", null, Bin));
        Assert.Equal("--runtime needs a folder", error.Message);
    }

    [Fact]
    public void The_libcuda_so_link_is_made_when_absent_and_kept_when_present()
    {
        var runtime = RuntimeFolder.Find(Folder("named"), null, Bin);
        var link = Path.Combine(runtime.Path, "libcuda.so");
        Assert.Null(runtime.EnsureTritonLink());
        Assert.Equal("libcuda.so.1", new FileInfo(link).LinkTarget);
        Assert.Null(runtime.EnsureTritonLink());
        Assert.Equal("libcuda.so.1", new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void A_dangling_libcuda_so_link_is_reported_not_replaced()
    {
        var runtime = RuntimeFolder.Find(Folder("named"), null, Bin);
        var link = Path.Combine(runtime.Path, "libcuda.so");
        File.CreateSymbolicLink(link, "elsewhere.so");
        var warning = runtime.EnsureTritonLink();
        Assert.NotNull(warning);
        Assert.Contains("points to elsewhere.so, which does not exist", warning, StringComparison.Ordinal);
        Assert.Equal("elsewhere.so", new FileInfo(link).LinkTarget);
    }
}
