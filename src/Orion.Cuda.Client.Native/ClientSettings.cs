using System.Globalization;
using Orion.Cuda.Protocol;
using Orion.Cuda.Protocol.Security;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Cuda.Client.Native;

/// <summary>
/// What the client library reads from the environment (docs/configuration.md). Parsing never
/// throws: a bad value becomes <see cref="Error"/>, which the library reports once on stderr
/// before answering every device call with cudaErrorNoDevice.
/// </summary>
internal sealed record ClientSettings(
    IReadOnlyList<TransportEndpoint> Servers,
    string Token,
    NativeLogLevel LogLevel,
    TimeSpan ConnectTimeout,
    string? Error)
{
    /// <summary><c>ORION_PROFILE=1</c>: count calls and time round trips, reported on stderr when the program ends.</summary>
    public bool ProfileCalls { get; init; }

    /// <summary>What the session asks of the server's vGPUs: <c>ORION_VGPU_MEMORY</c> (a size: <c>24G</c>, <c>512M</c>, bytes),
    /// <c>ORION_VGPU_SHARE</c> (percent, 1..100) and <c>ORION_VGPU_DEVICE</c> (the server's device number); the same for every server.</summary>
    public VGpuRequest VGpu { get; init; } = VGpuRequest.None;

    /// <summary><c>ORION_MAX_DEVICES</c>: the program sees at most this many devices, the first ones in <c>ORION_SERVER</c>'s
    /// order, and no session is opened with a server whose devices would all lie past them (<c>orion run --gpus N</c>); null: all.</summary>
    public int? MaxDevices { get; init; }

    /// <summary>Largest <c>ORION_MAX_DEVICES</c>: every device of every server.</summary>
    public const int MaxDeviceLimit = MaxServers * ProtocolLimits.MaxDevices;

    /// <summary>How a <c>tls://</c> server is verified: <c>ORION_TLS_CA</c>, a PEM file of the certificates to trust (a private
    /// CA, or the server's own self-signed certificate) instead of the system's trust store, and <c>ORION_TLS_SERVER_NAME</c>,
    /// the name the server's certificate must carry when it is not the host in ORION_SERVER. Null: the system's store, the host's name.</summary>
    public TransportTlsOptions? Tls { get; init; }

    /// <summary><c>ORION_REPLY_SPIN_US</c>: how long a waiting call spins before it sleeps (0 to 10,000 µs; default 200).</summary>
    public TimeSpan ReplySpinTime { get; init; } = DefaultReplySpinTime;

    /// <summary><c>ORION_COMPRESSION</c>: <c>off</c> (default), <c>on</c> or <c>auto</c>, whether bulk chunks travel LZ4-compressed.</summary>
    public ChunkCompression Compression { get; init; }

    private static readonly TimeSpan DefaultReplySpinTime = TimeSpan.FromMicroseconds(200);
    private const int MaxReplySpinMicroseconds = 10_000;

    /// <summary>More servers than this in ORION_SERVER is refused rather than connected to.</summary>
    public const int MaxServers = 16;

    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MaxConnectTimeout = TimeSpan.FromMinutes(10);

    public static ClientSettings FromEnvironment() => Parse(Environment.GetEnvironmentVariable);

    /// <summary>Reads the settings through <paramref name="read"/> (the environment, or a test's dictionary).</summary>
    public static ClientSettings Parse(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var errors = new List<string>();
        var logLevel = NativeLog.ParseLevel(read("ORION_LOG_LEVEL"), out var levelError);
        if (levelError is not null)
        {
            errors.Add(levelError);
        }
        var servers = ParseServers(read("ORION_SERVER"), errors);
        var timeout = ParseDuration("ORION_CONNECT_TIMEOUT_MS", read("ORION_CONNECT_TIMEOUT_MS"), DefaultConnectTimeout,
            1, (int)MaxConnectTimeout.TotalMilliseconds, TimeSpan.FromMilliseconds(1), "milliseconds", errors);
        var token = ParseToken(read("ORION_TOKEN"), read("ORION_TOKEN_FILE"), errors);
        var vgpu = ParseVGpu(read("ORION_VGPU_MEMORY"), read("ORION_VGPU_SHARE"), read("ORION_VGPU_DEVICE"), errors);
        var spin = ParseDuration("ORION_REPLY_SPIN_US", read("ORION_REPLY_SPIN_US"), DefaultReplySpinTime,
            0, MaxReplySpinMicroseconds, TimeSpan.FromMicroseconds(1), "microseconds", errors);
        var compression = ParseCompression(read("ORION_COMPRESSION"), errors);
        var maxDevices = ParseMaxDevices(read("ORION_MAX_DEVICES"), errors);
        var tls = ParseTls(read("ORION_TLS_CA"), read("ORION_TLS_SERVER_NAME"), errors);
        return new ClientSettings(servers, token, logLevel, timeout,
            errors.Count == 0 ? null : string.Join("; ", errors))
        {
            Compression = compression,
            Tls = tls,
            ProfileCalls = read("ORION_PROFILE") is "1" or "true",
            VGpu = vgpu,
            ReplySpinTime = spin,
            MaxDevices = maxDevices,
        };
    }

    /// <summary>What the record's <c>ToString</c> shows: everything but the token, which is never printed.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Servers = ").AppendJoin(",", Servers)
            .Append(", Token = ").Append(Token.Length == 0 ? "(none)" : "(hidden)")
            .Append(", LogLevel = ").Append(LogLevel)
            .Append(", ConnectTimeout = ").Append(ConnectTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)).Append(" ms")
            .Append(", Error = ").Append(Error)
            .Append(", ProfileCalls = ").Append(ProfileCalls)
            .Append(", VGpu = ").Append(VGpu.IsEmpty ? "(none)" : VGpu.Describe())
            .Append(", MaxDevices = ").Append(MaxDevices is { } max ? max.ToString(CultureInfo.InvariantCulture) : "(all)")
            .Append(", Tls = ").Append(Tls is null ? "(system trust)" : $"{Tls.TrustedCertificates?.Count ?? 0} trusted certificate(s), server name {Tls.ServerName ?? "(the host's)"}")
            .Append(", ReplySpinTime = ").Append(ReplySpinTime.TotalMicroseconds.ToString(CultureInfo.InvariantCulture)).Append(" µs")
            .Append(", Compression = ").Append(Compression);
        return true;
    }

    /// <summary>
    /// The token from <c>ORION_TOKEN_FILE</c> (read with the server's rules: owner-only, trailing line break trimmed) or
    /// <c>ORION_TOKEN</c>; both set is an error, as the two could disagree. Errors name the file, never the token.
    /// </summary>
    private static string ParseToken(string? token, string? tokenFile, List<string> errors)
    {
        if (string.IsNullOrEmpty(tokenFile))
        {
            return token ?? "";
        }
        if (!string.IsNullOrEmpty(token))
        {
            errors.Add("ORION_TOKEN and ORION_TOKEN_FILE are both set; set only one (ORION_TOKEN_FILE keeps the token out of the environment)");
            return "";
        }
        if (!AuthTokenFile.TryRead(tokenFile, out var fromFile, out var error))
        {
            errors.Add("ORION_TOKEN_FILE: " + error);
            return "";
        }
        return fromFile;
    }

    /// <summary><c>ORION_COMPRESSION</c>: unset or empty is off; otherwise off, on or auto, in any case.</summary>
    private static ChunkCompression ParseCompression(string? value, List<string> errors)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "off":
                return ChunkCompression.Off;
            case "on":
                return ChunkCompression.On;
            case "auto":
                return ChunkCompression.Auto;
            default:
                errors.Add($"ORION_COMPRESSION='{value}' is not off, on or auto");
                return ChunkCompression.Off;
        }
    }

    /// <summary><c>ORION_MAX_DEVICES</c>: unset or empty is every device; otherwise a whole number from 1 to <see cref="MaxDeviceLimit"/>.</summary>
    private static int? ParseMaxDevices(string? value, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (!int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxDeviceLimit)
        {
            errors.Add($"ORION_MAX_DEVICES='{value}' is not a number of devices between 1 and {MaxDeviceLimit}");
            return null;
        }
        return count;
    }

    /// <summary>The TLS verification settings; null when neither variable is set.</summary>
    private static TransportTlsOptions? ParseTls(string? caFile, string? serverName, List<string> errors)
    {
        var tls = TransportTlsOptions.ForClient(caFile, serverName, out var error);
        if (error is not null)
        {
            errors.Add(error);
        }
        return tls;
    }

    /// <summary>The vGPU request; each variable unset or empty asks for nothing of its kind.</summary>
    private static VGpuRequest ParseVGpu(string? memory, string? share, string? device, List<string> errors)
    {
        ulong bytes = 0;
        if (!string.IsNullOrWhiteSpace(memory) && !ByteSize.TryParse(memory, out bytes))
        {
            errors.Add($"ORION_VGPU_MEMORY='{memory}' is not a size (e.g. 24G, 512M or a number of bytes)");
        }
        var percent = 0;
        if (!string.IsNullOrWhiteSpace(share)
            && (!int.TryParse(share.Trim().TrimEnd('%'), NumberStyles.None, CultureInfo.InvariantCulture, out percent) || percent is < 1 or > 100))
        {
            errors.Add($"ORION_VGPU_SHARE='{share}' is not a compute share in percent between 1 and 100");
            percent = 0;
        }
        int? number = null;
        if (!string.IsNullOrWhiteSpace(device))
        {
            if (int.TryParse(device.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal) && ordinal < ProtocolLimits.MaxDevices)
            {
                number = ordinal;
            }
            else
            {
                errors.Add($"ORION_VGPU_DEVICE='{device}' is not a device number between 0 and {ProtocolLimits.MaxDevices - 1}");
            }
        }
        return new VGpuRequest(bytes, percent, number);
    }

    private static List<TransportEndpoint> ParseServers(string? value, List<string> errors)
    {
        var servers = new List<TransportEndpoint>();
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add("ORION_SERVER is not set (expected host:port or tcp://host:port, comma-separated for several servers)");
            return servers;
        }
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (servers.Count == MaxServers)
            {
                errors.Add($"ORION_SERVER lists more than {MaxServers} servers");
                break;
            }
            if (TransportEndpoint.TryParse(part, out var endpoint, out var error))
            {
                servers.Add(endpoint);
            }
            else
            {
                errors.Add($"ORION_SERVER entry '{part}' is not valid: {error}");
            }
        }
        if (servers.Count == 0 && errors.Count == 0)
        {
            errors.Add("ORION_SERVER names no server");
        }
        return servers;
    }

    /// <summary>The variable <paramref name="name"/> as a whole number of <paramref name="unit"/> between
    /// <paramref name="min"/> and <paramref name="max"/>; unset: <paramref name="fallback"/>; anything else is an error (and the fallback).</summary>
    private static TimeSpan ParseDuration(string name, string? value, TimeSpan fallback, int min, int max, TimeSpan unit, string units, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < min || count > max)
        {
            errors.Add($"{name}='{value}' is not a number of {units} between {min} and {max}");
            return fallback;
        }
        return unit * count;
    }
}
