using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

using Orion.Server.Core.ModuleCache;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// The contract between the supervisor (<see cref="ProcessWorkerLauncher"/>) and the worker
/// (<see cref="OrionWorkerProcess"/>): the arguments, the ticket on the first line of stdin (never on
/// the command line, where other users could read it), and the line on stdout that reports the bound
/// endpoint. Stdin stays open; its end means the supervisor is gone.
/// </summary>
/// <remarks>
/// The arguments are <c>worker</c>, the worker's own options (each <c>--name value</c>), then
/// <see cref="BackendArgumentsSeparator"/> and the host's backend arguments, verbatim. The separator
/// lets the backend arguments be anything (even <c>--device</c>) without being taken for the worker's own.
/// </remarks>
public static class WorkerCommandLine
{
    /// <summary>The first argument of a worker command line (a hidden subcommand of the host program).</summary>
    public const string Command = "worker";

    /// <summary>Ends the worker's own options; every argument after it is the host's backend arguments, handed to its backend factory unchanged.</summary>
    public const string BackendArgumentsSeparator = "--";

    /// <summary>The worker's stdout line reporting where it listens: this prefix, then the endpoint.</summary>
    public const string ListeningPrefix = "ORION-WORKER-LISTENING ";

    private const string ListenScheme = "--listen-scheme";
    private const string ListenHost = "--listen-host";
    private const string ListenPort = "--listen-port";
    private const string SessionId = "--session-id";
    private const string ChunkBytes = "--chunk-bytes";
    private const string ConnectTimeoutMs = "--connect-timeout-ms";
    private const string Device = "--device";
    private const string LogLevelOption = "--log-level";
    private const string ModuleCacheDirectory = "--module-cache-dir";
    private const string ModuleCacheMaxBytes = "--module-cache-max-bytes";
    private const string SendTimeoutMs = "--send-timeout-ms";
    private const string Limit = "--limit"; // name=value, one per session limit that is not its default
    private const string VGpuOption = "--vgpu"; // the session's vGPU, for its welcome (VGpuArgument)
    private const string GpuTimeSocketOption = "--gpu-time-socket"; // the supervisor's GPU time socket (compute shares)
    private const string Compression = "--compression"; // "refuse" where the operator refuses compressed chunks; absent: allow
    private const string TlsCertificate = "--tls-certificate"; // a tls:// worker's certificate file (a path, not a secret)
    private const string TlsKey = "--tls-key";

    private static readonly HashSet<string> KnownOptions =
        [ListenScheme, ListenHost, ListenPort, SessionId, ChunkBytes, ConnectTimeoutMs, Device, LogLevelOption, ModuleCacheDirectory, ModuleCacheMaxBytes,
            SendTimeoutMs, Limit, VGpuOption, GpuTimeSocketOption, Compression, TlsCertificate, TlsKey];

    /// <summary>Bounds a worker puts on its connect timeout, so that a typo can neither make it give up at
    /// once nor keep a GPU process waiting for a client that never comes.</summary>
    private const long MinConnectTimeoutMs = 100;
    private const long MaxConnectTimeoutMs = 600_000;
    private const long DefaultConnectTimeoutMs = 10_000;

    /// <summary>True when <paramref name="args"/> starts with <see cref="Command"/>: the program was started as a worker.</summary>
    public static bool IsWorkerCommandLine(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Count > 0 && args[0] == Command;
    }

    /// <summary>The arguments after the executable (and its leading arguments) that start a worker for <paramref name="request"/>.</summary>
    /// <param name="request">The session the worker serves.</param>
    /// <param name="backendArguments">The host's arguments for its backend factory; the worker hands them back unchanged
    /// (<see cref="WorkerBackendRequest.BackendArguments"/>).</param>
    /// <param name="logLevel">The least severe level the worker logs (to its stderr, which the supervisor forwards).</param>
    public static IReadOnlyList<string> Arguments(WorkerLaunchRequest request, IEnumerable<string> backendArguments, LogLevel logLevel = LogLevel.Information)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(backendArguments);
        var arguments = new List<string>
        {
            Command,
            // Separate parts, because an endpoint's text form needs a real port and the worker's is usually 0 (ephemeral).
            ListenScheme, request.ListenEndpoint.Scheme,
            ListenHost, request.ListenEndpoint.Host,
            ListenPort, request.ListenEndpoint.Port.ToString(CultureInfo.InvariantCulture),
            SessionId, request.SessionId.ToString(CultureInfo.InvariantCulture),
            ChunkBytes, request.ChunkBytes.ToString(CultureInfo.InvariantCulture),
            ConnectTimeoutMs, ((long)request.ConnectTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            LogLevelOption, logLevel.ToString(),
        };
        foreach (var device in request.Devices)
        {
            arguments.Add(Device);
            arguments.Add(device.ToString(CultureInfo.InvariantCulture));
        }
        if (request.SendTimeout is { } sendTimeout && sendTimeout != Timeout.InfiniteTimeSpan)
        {
            arguments.AddRange([SendTimeoutMs, ((long)sendTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)]);
        }
        foreach (var limit in SessionLimitArguments.Format(request.Limits ?? SessionLimits.Default))
        {
            arguments.AddRange([Limit, limit]);
        }
        if (!request.AllowCompression)
        {
            arguments.AddRange([Compression, "refuse"]);
        }
        if (request.VGpu is { } vgpu)
        {
            arguments.AddRange([VGpuOption, VGpuArgument.Format(vgpu)]);
        }
        if (request.GpuTimeSocket is { } socket)
        {
            arguments.AddRange([GpuTimeSocketOption, socket]);
        }
        if (request.ModuleCache is { } cache)
        {
            arguments.AddRange([ModuleCacheDirectory, cache.Directory, ModuleCacheMaxBytes, cache.MaxBytes.ToString(CultureInfo.InvariantCulture)]);
        }
        if (request.Tls is { } tls)
        {
            arguments.AddRange([TlsCertificate, tls.CertificateFile]);
            if (tls.KeyFile is { } key)
            {
                arguments.AddRange([TlsKey, key]);
            }
        }
        arguments.Add(BackendArgumentsSeparator);
        arguments.AddRange(backendArguments);
        return arguments;
    }

    /// <summary>Reads a worker command line back (the inverse of <see cref="Arguments"/>, without the ticket, which comes on stdin).</summary>
    /// <param name="args">The program's arguments, starting with <see cref="Command"/>.</param>
    /// <param name="parsed">The worker's settings, when the arguments are valid.</param>
    /// <param name="error">What is wrong, naming the argument, when they are not.</param>
    internal static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out ParsedWorkerArguments? parsed, out string error)
    {
        parsed = null;
        if (!IsWorkerCommandLine(args))
        {
            error = $"a worker command line starts with '{Command}'";
            return false;
        }
        string? scheme = null;
        string? host = null;
        int? port = null;
        ulong? sessionId = null;
        int? chunkBytes = null;
        long? connectTimeoutMs = null;
        long? sendTimeoutMs = null;
        LogLevel? logLevel = null;
        string? cacheDirectory = null;
        long? cacheMaxBytes = null;
        string? tlsCertificate = null;
        string? tlsKey = null;
        var devices = new List<int>();
        var limits = SessionLimits.Default;
        VGpuAssignment? vgpu = null;
        string? gpuTimeSocket = null;
        var allowCompression = true;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var index = 1;
        for (; index < args.Count && args[index] != BackendArgumentsSeparator; index += 2)
        {
            var name = args[index];
            if (!KnownOptions.Contains(name))
            {
                error = $"unknown worker option '{name}' (the host's backend arguments go after '{BackendArgumentsSeparator}')";
                return false;
            }
            if (index + 1 >= args.Count || args[index + 1] == BackendArgumentsSeparator)
            {
                error = $"{name} needs a value";
                return false;
            }
            if (name != Device && name != Limit && !seen.Add(name))
            {
                error = $"{name} is given twice";
                return false;
            }
            var value = args[index + 1];
            bool valid;
            switch (name)
            {
                case ListenScheme:
                    scheme = value.ToLowerInvariant();
                    valid = value.Length > 0;
                    break;
                case ListenHost:
                    host = value;
                    valid = value.Length > 0;
                    break;
                case ListenPort:
                    port = ParseInt(value);
                    valid = port is <= 65535;
                    break;
                case SessionId:
                    valid = ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id);
                    sessionId = id;
                    break;
                case ChunkBytes:
                    chunkBytes = ParseInt(value);
                    valid = chunkBytes is >= ProtocolLimits.MinChunkBytes and <= ProtocolLimits.MaxChunkBytes;
                    break;
                case ConnectTimeoutMs:
                    valid = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds);
                    connectTimeoutMs = milliseconds;
                    break;
                case SendTimeoutMs:
                    // At least 100 ms, so that a typo cannot end every session at its first large reply.
                    valid = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var sendMilliseconds) && sendMilliseconds >= 100;
                    sendTimeoutMs = sendMilliseconds;
                    break;
                case LogLevelOption:
                    logLevel = ParseLogLevel(value);
                    valid = logLevel is not null;
                    break;
                case ModuleCacheDirectory:
                    cacheDirectory = value;
                    valid = Path.IsPathFullyQualified(value);
                    break;
                case ModuleCacheMaxBytes:
                    valid = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var maxBytes) && maxBytes >= ModuleCacheOptions.MinCachedImageBytes;
                    cacheMaxBytes = maxBytes;
                    break;
                case Limit:
                    valid = SessionLimitArguments.TryApply(limits, value, out limits);
                    break;
                case VGpuOption:
                    valid = VGpuArgument.TryParse(value, out vgpu);
                    break;
                case GpuTimeSocketOption:
                    gpuTimeSocket = value;
                    valid = Path.IsPathFullyQualified(value);
                    break;
                case Compression:
                    valid = value is "allow" or "refuse";
                    allowCompression = value == "allow";
                    break;
                case TlsCertificate:
                    tlsCertificate = value;
                    valid = Path.IsPathFullyQualified(value);
                    break;
                case TlsKey:
                    tlsKey = value;
                    valid = Path.IsPathFullyQualified(value);
                    break;
                default: // Device, which may repeat too
                    var device = ParseInt(value);
                    valid = device is not null && devices.Count < ProtocolLimits.MaxDevices;
                    devices.Add(device ?? 0);
                    break;
            }
            if (!valid)
            {
                error = $"invalid {name} '{value}'";
                return false;
            }
        }
        if (scheme is null || host is null || sessionId is null)
        {
            error = $"{ListenScheme}, {ListenHost} and {SessionId} are required";
            return false;
        }
        if (tlsKey is not null && tlsCertificate is null)
        {
            error = $"{TlsKey} needs {TlsCertificate}";
            return false;
        }
        var backendArguments = index < args.Count ? args.Skip(index + 1).ToArray() : [];
        parsed = new ParsedWorkerArguments(
            new TransportEndpoint(scheme, host, port ?? 0),
            sessionId.Value,
            devices,
            chunkBytes ?? ProtocolLimits.DefaultChunkBytes,
            TimeSpan.FromMilliseconds(Math.Clamp(connectTimeoutMs ?? DefaultConnectTimeoutMs, MinConnectTimeoutMs, MaxConnectTimeoutMs)),
            logLevel ?? LogLevel.Information,
            backendArguments,
            cacheDirectory is null ? null : new ModuleCacheOptions(cacheDirectory, cacheMaxBytes ?? ModuleCacheOptions.DefaultMaxBytes),
            sendTimeoutMs is { } send ? TimeSpan.FromMilliseconds(send) : null,
            limits,
            vgpu,
            gpuTimeSocket,
            allowCompression)
        {
            Tls = tlsCertificate is null ? null : new Tls.TlsCertificateOptions(tlsCertificate, tlsKey),
        };
        error = "";
        return true;
    }

    private static int? ParseInt(string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>A level by name only: <see cref="Enum.TryParse{TEnum}(string, bool, out TEnum)"/> alone would also take numbers.</summary>
    private static LogLevel? ParseLogLevel(string value) =>
        value.Length > 0 && value.All(char.IsAsciiLetter) && Enum.TryParse<LogLevel>(value, ignoreCase: true, out var level) ? level : null;

}

/// <summary>A worker command line, read back by <see cref="WorkerCommandLine.TryParse"/>.</summary>
/// <param name="ListenEndpoint">Where to listen (port 0: ephemeral).</param>
/// <param name="SessionId">The supervisor's id of the session.</param>
/// <param name="Devices">Backend ordinals the session may use; empty: all.</param>
/// <param name="ChunkBytes">Bulk chunk size.</param>
/// <param name="ConnectTimeout">How long to wait for the client.</param>
/// <param name="LogLevel">The least severe level the worker logs.</param>
/// <param name="BackendArguments">The host's arguments after the separator, verbatim.</param>
/// <param name="ModuleCache">The server's module image cache, or null for none.</param>
/// <param name="SendTimeout">How long a send may wait for the client to read; null: the default.</param>
/// <param name="Limits">What the session may hold at once.</param>
/// <param name="VGpu">The session's vGPU, or null for none.</param>
/// <param name="GpuTimeSocket">The supervisor's GPU time socket, or null when the compute share is not enforced.</param>
/// <param name="AllowCompression">Whether the client may have its bulk chunks travel LZ4-compressed.</param>
internal sealed record ParsedWorkerArguments(
    TransportEndpoint ListenEndpoint,
    ulong SessionId,
    IReadOnlyList<int> Devices,
    int ChunkBytes,
    TimeSpan ConnectTimeout,
    LogLevel LogLevel,
    IReadOnlyList<string> BackendArguments,
    ModuleCacheOptions? ModuleCache = null,
    TimeSpan? SendTimeout = null,
    SessionLimits? Limits = null,
    VGpuAssignment? VGpu = null,
    string? GpuTimeSocket = null,
    bool AllowCompression = true)
{
    /// <summary>The certificate of a <c>tls://</c> worker, or null.</summary>
    public Tls.TlsCertificateOptions? Tls { get; init; }
}
