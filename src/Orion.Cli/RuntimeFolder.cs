namespace Orion.Cli;

/// <summary>
/// The folder that holds Orion's replacement libraries for a run: <c>libcuda.so.1</c> (the driver front end),
/// <c>libnvidia-ml.so.1</c> (NVML) and <c>liborion_client.so</c> (the client both load), plus the
/// <c>libcuda.so</c> link Triton links its launchers against. It is found, in this order: <c>--runtime</c>;
/// else <c>ORION_RUNTIME</c>; else beside the orion executable, <c>DIR/runtime</c> and then <c>DIR/../lib/orion</c>.
/// A folder named by the option or the variable is the only one looked at; of the ones beside the executable the
/// first that holds all three files is taken.
/// </summary>
internal sealed class RuntimeFolder
{
    public const string DriverLibrary = "libcuda.so.1";
    public const string NvmlLibrary = "libnvidia-ml.so.1";
    public const string ClientLibraryName = "liborion_client.so";

    /// <summary>The unversioned name Triton links with <c>-lcuda</c> from <c>TRITON_LIBCUDA_PATH</c>.</summary>
    public const string TritonLinkName = "libcuda.so";

    /// <summary>The environment variable that names the folder when <c>--runtime</c> is not given.</summary>
    public const string EnvironmentVariable = "ORION_RUNTIME";

    private static readonly string[] s_requiredFiles = [DriverLibrary, NvmlLibrary, ClientLibraryName];

    private RuntimeFolder(string path) => Path = path;

    /// <summary>The files a runtime folder must hold.</summary>
    public static IReadOnlyList<string> RequiredFiles => s_requiredFiles;

    /// <summary>The folder, absolute and without a trailing separator.</summary>
    public string Path { get; }

    /// <summary>The client library's path, what <c>ORION_CLIENT_LIB</c> names.</summary>
    public string ClientLibrary => System.IO.Path.Combine(Path, ClientLibraryName);

    /// <summary>
    /// The folders looked at, in order, each with what named it: the option's or the variable's folder alone, else
    /// the two beside the executable (in <paramref name="executableDirectory"/>).
    /// </summary>
    public static IReadOnlyList<(string Path, string Source)> Candidates(string? option, string? environmentValue, string executableDirectory)
    {
        if (option is not null)
        {
            if (string.IsNullOrWhiteSpace(option))
            {
                throw new CliException("--runtime needs a folder", ExitCodes.Usage);
            }
            return [(Normalize(option), "--runtime")];
        }
        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            return [(Normalize(environmentValue), EnvironmentVariable)];
        }
        return
        [
            (Normalize(System.IO.Path.Combine(executableDirectory, "runtime")), "beside orion"),
            (Normalize(System.IO.Path.Combine(executableDirectory, "..", "lib", "orion")), "beside orion"),
        ];
    }

    /// <summary>
    /// The runtime folder for a run; a <see cref="CliException"/> (exit code 2) naming what is missing and every
    /// folder looked at when there is none.
    /// </summary>
    public static RuntimeFolder Find(string? option, string? environmentValue, string executableDirectory)
    {
        var candidates = Candidates(option, environmentValue, executableDirectory);
        var problems = new List<string>();
        foreach (var (path, source) in candidates)
        {
            var problem = Check(path);
            if (problem is null)
            {
                return new RuntimeFolder(path);
            }
            problems.Add(candidates.Count == 1 ? $"the runtime folder {path} (from {source}) {problem}" : $"{path} {problem}");
        }
        if (candidates.Count == 1)
        {
            throw new CliException(problems[0], ExitCodes.Usage);
        }
        throw new CliException(
            $"no Orion runtime folder beside orion: {string.Join("; ", problems)} (name one with --runtime DIR or {EnvironmentVariable})",
            ExitCodes.Usage);
    }

    /// <summary>
    /// Makes sure the <c>libcuda.so</c> link is there, creating it (to <c>libcuda.so.1</c>) when it is absent and
    /// the folder is writable. Returns a warning to print when it is absent and cannot be made, else null.
    /// </summary>
    public string? EnsureTritonLink()
    {
        var link = System.IO.Path.Combine(Path, TritonLinkName);
        var info = new FileInfo(link);
        if (info.LinkTarget is { } target)
        {
            return info.ResolveLinkTarget(returnFinalTarget: true)?.Exists == true
                ? null
                : $"{link} points to {target}, which does not exist; Triton (PyTorch's compiler) links against it";
        }
        if (info.Exists)
        {
            return null;
        }
        try
        {
            File.CreateSymbolicLink(link, DriverLibrary);
            return null;
        }
        catch (IOException) when (File.Exists(link))
        {
            return null; // another run made it first
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{Path} has no {TritonLinkName} and it cannot be made there ({ex.Message}); Triton (PyTorch's compiler) "
                + $"links against it: ln -s {DriverLibrary} {link}";
        }
    }

    private static string? Check(string path)
    {
        if (!Directory.Exists(path))
        {
            return File.Exists(path) ? "is not a folder" : "does not exist";
        }
        var missing = s_requiredFiles.Where(name => !File.Exists(System.IO.Path.Combine(path, name))).ToArray();
        return missing.Length == 0 ? null : "lacks " + JoinNames(missing);
    }

    private static string JoinNames(string[] names) => names.Length switch
    {
        1 => names[0],
        2 => names[0] + " and " + names[1],
        _ => string.Join(", ", names[..^1]) + " and " + names[^1],
    };

    private static string Normalize(string path) =>
        System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(path));
}
