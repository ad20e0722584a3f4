using System.Runtime.InteropServices;
using System.Text;

namespace Orion.Cli;

/// <summary>
/// Replaces orion with the program (<c>execve</c>), so that the program keeps orion's process id, its parent, its
/// signals and its standard streams, and its exit code is the process's: orion is not there any more to wait for
/// it or to pass anything on. The environment block is handed to <c>execve</c> whole (nothing in orion's own
/// environment is changed), and the program is looked up on <c>PATH</c> here as <c>execvp</c> does: a name with a
/// slash is used as it is; otherwise each folder of <c>PATH</c> in turn, going on past folders where it is absent
/// or not permitted; a file the kernel cannot execute (no <c>#!</c> line) is run by <c>/bin/sh</c>.
/// </summary>
internal static partial class ProgramExec
{
    private const int ENOENT = 2;
    private const int ENOEXEC = 8;
    private const int EACCES = 13;
    private const int ENODEV = 19;
    private const int ENOTDIR = 20;
    private const int ETIMEDOUT = 110;
    private const int ESTALE = 116;
    private const int SIGPIPE = 13;

    /// <summary>What <c>execvp</c> searches when <c>PATH</c> is not set (the C library's <c>_CS_PATH</c>).</summary>
    public const string DefaultSearchPath = "/bin:/usr/bin";

    /// <summary>
    /// The paths tried for <paramref name="program"/>, in order: itself when it holds a slash, else it in each folder
    /// of <paramref name="searchPath"/> (an empty entry is the current folder).
    /// </summary>
    public static IReadOnlyList<string> Candidates(string program, string? searchPath)
    {
        ArgumentNullException.ThrowIfNull(program);
        if (program.Length == 0)
        {
            return [];
        }
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return [program];
        }
        return (searchPath ?? DefaultSearchPath).Split(':')
            .Select(folder => folder.Length == 0 ? program : folder.TrimEnd('/') + "/" + program)
            .ToArray();
    }

    /// <summary>The process's environment block as the C library holds it, entry by entry, byte for byte.</summary>
    public static unsafe IReadOnlyList<byte[]> CurrentEnvironment()
    {
        if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "environ", out var address))
        {
            var entries = new List<byte[]>();
            // address is &environ, a char**: the entries up to the NULL that ends them.
            for (var entry = *(byte***)address; entry is not null && *entry is not null; entry++)
            {
                entries.Add(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(*entry).ToArray());
            }
            return entries;
        }
        // No environ symbol to be found: what the runtime read at start-up (order not kept).
        return Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(entry => Encoding.UTF8.GetBytes($"{entry.Key}={entry.Value}"))
            .ToArray();
    }

    /// <summary>
    /// Runs <paramref name="program"/> in place of this process with <paramref name="arguments"/> (the program's
    /// argv, its own name first) and <paramref name="environment"/>. Returns only when no candidate could be
    /// executed: then a <see cref="CliException"/> names the program and the reason, with a shell's exit code
    /// (127 not found, 126 found but not executable).
    /// </summary>
    public static unsafe void Exec(string program, IReadOnlyList<string> arguments, IReadOnlyList<byte[]> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var allocations = new List<IntPtr>();
        try
        {
            var argv = NativeArray(arguments.Select(Encoding.UTF8.GetBytes).ToArray(), allocations);
            var envp = NativeArray([.. environment], allocations);
            // The runtime ignores SIGPIPE for itself; an ignored signal stays ignored across exec, so put it back.
            _ = Signal(SIGPIPE, IntPtr.Zero);

            var error = ENOENT;
            var denied = false;
            foreach (var candidate in Candidates(program, Environment.GetEnvironmentVariable("PATH")))
            {
                var path = NativeString(Encoding.UTF8.GetBytes(candidate), allocations);
                _ = Execve(path, argv, envp);
                error = Marshal.GetLastPInvokeError();
                if (error == ENOEXEC)
                {
                    error = RunWithShell(candidate, arguments, envp, allocations);
                    break;
                }
                if (error == EACCES)
                {
                    denied = true;
                }
                else if (error is not (ENOENT or ENOTDIR or ENODEV or ETIMEDOUT or ESTALE))
                {
                    break;
                }
            }
            if (denied && error is ENOENT or ENOTDIR)
            {
                error = EACCES;
            }
            throw new CliException(
                $"cannot run {program}: {Marshal.GetPInvokeErrorMessage(error)}",
                error is ENOENT or ENOTDIR ? ExitCodes.NotFound : ExitCodes.CannotExecute);
        }
        finally
        {
            foreach (var allocation in allocations)
            {
                NativeMemory.Free((void*)allocation);
            }
        }
    }

    /// <summary>A file without a <c>#!</c> line, run as <c>/bin/sh FILE ARGS...</c> as <c>execvp</c> does; returns the error.</summary>
    private static unsafe int RunWithShell(string file, IReadOnlyList<string> arguments, byte** envp, List<IntPtr> allocations)
    {
        var shellArguments = new List<byte[]> { "/bin/sh"u8.ToArray(), Encoding.UTF8.GetBytes(file) };
        shellArguments.AddRange(arguments.Skip(1).Select(Encoding.UTF8.GetBytes));
        var shell = NativeString("/bin/sh"u8.ToArray(), allocations);
        _ = Execve(shell, NativeArray([.. shellArguments], allocations), envp);
        return Marshal.GetLastPInvokeError();
    }

    private static unsafe byte** NativeArray(byte[][] items, List<IntPtr> allocations)
    {
        var array = (byte**)NativeMemory.Alloc((nuint)(items.Length + 1), (nuint)sizeof(byte*));
        allocations.Add((IntPtr)array);
        for (var i = 0; i < items.Length; i++)
        {
            array[i] = NativeString(items[i], allocations);
        }
        array[items.Length] = null;
        return array;
    }

    private static unsafe byte* NativeString(byte[] bytes, List<IntPtr> allocations)
    {
        var text = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
        allocations.Add((IntPtr)text);
        bytes.CopyTo(new Span<byte>(text, bytes.Length));
        text[bytes.Length] = 0;
        return text;
    }

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static unsafe partial int Execve(byte* path, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signal, IntPtr handler);
}
