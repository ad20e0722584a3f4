using System.Text;
using Orion.Transport;

namespace Orion.Cli;

/// <summary>
/// What a program run through Orion gets in its environment, beyond what orion itself was given (which passes
/// through untouched, byte for byte and in order):
/// <list type="bullet">
/// <item><c>LD_LIBRARY_PATH</c>: the runtime folder first, then what was there (unchanged when it is first already);</item>
/// <item><c>ORION_CLIENT_LIB</c>: the runtime folder's <c>liborion_client.so</c>;</item>
/// <item><c>ORION_SERVER</c>: <c>--server</c>, else the <c>ORION_SERVER</c> given, else an error;</item>
/// <item><c>TRITON_LIBCUDA_PATH</c>: the runtime folder, unless it is set already;</item>
/// <item><c>ORION_VGPU_MEMORY</c>, <c>ORION_VGPU_SHARE</c>, <c>ORION_VGPU_DEVICE</c>: those of <c>--vgpu-memory</c>,
/// <c>--vgpu-share</c> and <c>--vgpu-device</c> that were given (<see cref="VGpuChoice"/>);</item>
/// <item>with <c>--gpus N</c>: <c>ORION_SERVER</c> the sessions that give N GPUs, and <c>ORION_MAX_DEVICES</c> N (<see cref="GpuSelection"/>).</item>
/// </list>
/// </summary>
internal sealed class RunEnvironment
{
    public const string LibraryPath = "LD_LIBRARY_PATH";
    public const string ClientLibrary = "ORION_CLIENT_LIB";
    public const string Server = "ORION_SERVER";
    public const string TritonLibcudaPath = "TRITON_LIBCUDA_PATH";

    /// <summary>The transports a program's client library connects with (docs/configuration.md).</summary>
    private static readonly HashSet<string> s_clientSchemes = new(StringComparer.Ordinal) { "tcp", "tls", "rdma", "shm", "auto" };

    private RunEnvironment(IReadOnlyList<KeyValuePair<string, string>> settings) => Settings = settings;

    /// <summary>The variables set for the program, in a fixed order; every other variable is left as it is.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; }

    /// <summary>
    /// The settings for a run with <paramref name="runtime"/> (a folder) and <paramref name="clientLibrary"/> (its
    /// client library), the server from <paramref name="serverOption"/> or, when that is null, from the environment
    /// read through <paramref name="read"/>, and what <paramref name="vgpu"/> asks of the server's vGPUs. A missing or malformed
    /// server or vGPU option is a <see cref="CliException"/> (exit code 2).
    /// </summary>
    public static RunEnvironment Compute(string runtime, string clientLibrary, string? serverOption, Func<string, string?> read, VGpuChoice? vgpu = null,
        GpuSelection? gpus = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        var server = serverOption ?? read(Server);
        var source = serverOption is null ? Server : "--server";
        if (string.IsNullOrWhiteSpace(server))
        {
            throw new CliException(
                serverOption is null
                    ? "no server: give one with --server URL (e.g. tcp://gpu-host:7000) or set ORION_SERVER"
                    : "--server needs a server address (e.g. tcp://gpu-host:7000)",
                ExitCodes.Usage);
        }
        ParseServers(server, source);

        var settings = new List<KeyValuePair<string, string>>
        {
            new(LibraryPath, PrependFolder(runtime, read(LibraryPath))),
            new(ClientLibrary, clientLibrary),
            new(Server, gpus?.ServerList ?? server),
        };
        if (string.IsNullOrEmpty(read(TritonLibcudaPath)))
        {
            settings.Add(new(TritonLibcudaPath, runtime));
        }
        settings.AddRange((vgpu ?? VGpuChoice.None).Settings());
        if (gpus is not null)
        {
            settings.Add(new(GpuSelection.MaxDevicesVariable, gpus.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return new RunEnvironment(settings);
    }

    /// <summary>The servers of an <c>ORION_SERVER</c>-style list (comma-separated endpoints); a malformed entry is a <see cref="CliException"/>.</summary>
    public static IReadOnlyList<TransportEndpoint> ParseServers(string value, string source)
    {
        var servers = new List<TransportEndpoint>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TransportEndpoint.TryParse(part, out var endpoint, out var error))
            {
                throw new CliException($"{source} '{part}' is not a server address: {error} (expected tcp://host:port)", ExitCodes.Usage);
            }
            if (!s_clientSchemes.Contains(endpoint.Scheme))
            {
                throw new CliException(
                    $"{source} '{part}' is not a server address: a CUDA program's client speaks tcp://, tls://, rdma://, shm:// and auto://, not {endpoint.Scheme}://",
                    ExitCodes.Usage);
            }
            servers.Add(endpoint);
        }
        if (servers.Count == 0)
        {
            throw new CliException($"{source} names no server (expected tcp://host:port)", ExitCodes.Usage);
        }
        return servers;
    }

    /// <summary>The folder first on a search path: <c>folder:existing</c>, or the path unchanged when the folder leads it already.</summary>
    public static string PrependFolder(string folder, string? existing)
    {
        if (string.IsNullOrEmpty(existing))
        {
            return folder;
        }
        var first = existing.Split(':', 2)[0];
        return first == folder ? existing : folder + ":" + existing;
    }

    /// <summary>
    /// The program's environment block: <paramref name="current"/> (<c>NAME=value</c> entries as the C library holds
    /// them) with each setting's entry replaced where it was (later duplicates of the name dropped) and the settings
    /// not there appended; every other entry stays as it was, byte for byte.
    /// </summary>
    public IReadOnlyList<byte[]> Apply(IEnumerable<byte[]> current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var pending = Settings.ToDictionary(setting => setting.Key, setting => setting.Value, StringComparer.Ordinal);
        var names = Settings.Select(setting => setting.Key).ToHashSet(StringComparer.Ordinal);
        var block = new List<byte[]>();
        foreach (var entry in current)
        {
            var name = NameOf(entry);
            if (name is null || !names.Contains(name))
            {
                block.Add(entry);
            }
            else if (pending.Remove(name, out var value))
            {
                block.Add(Encode(name, value));
            }
        }
        foreach (var (name, value) in Settings)
        {
            if (pending.ContainsKey(name))
            {
                block.Add(Encode(name, value));
            }
        }
        return block;
    }

    /// <summary>The settings as <c>export</c> lines a POSIX shell reads (<c>eval "$(orion env ...)"</c>).</summary>
    public string ToShellExports()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Settings)
        {
            text.Append("export ").Append(name).Append('=').Append(ShellQuote(value)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A word a POSIX shell reads back as <paramref name="value"/>: single-quoted, each <c>'</c> written <c>'\''</c>.</summary>
    public static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string? NameOf(byte[] entry)
    {
        var equals = Array.IndexOf(entry, (byte)'=');
        if (equals <= 0)
        {
            return null;
        }
        // Only the ASCII names above are ever matched; a name that is not ASCII is kept as it is.
        for (var i = 0; i < equals; i++)
        {
            if (entry[i] >= 0x80)
            {
                return null;
            }
        }
        return Encoding.ASCII.GetString(entry, 0, equals);
    }

    private static byte[] Encode(string name, string value) => Encoding.UTF8.GetBytes(name + "=" + value);
}
