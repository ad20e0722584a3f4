using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orion.Server.Core.Authentication;
using Orion.Server.Core.ModuleCache;
using Orion.Server.Core.VGpus;
using Orion.Transport;

namespace Orion.Server.Core.Hosting;

/// <summary>
/// Reads an <see cref="OrionServerOptions"/> from a configuration section (appsettings.json, environment variables,
/// a host's command line, an in-memory collection): every option that is data, endpoints as strings included. Each
/// problem is one line naming the key (<c>Orion:Endpoints:0: 'tcp://gpu:99999' is not an endpoint: port 99999 is out of
/// range (1-65535)</c>); unknown keys are problems too, so that a misspelt option is not silently ignored. Binding
/// writes only the options instance it is given: nested options (<see cref="OrionServerOptions.TransportOptions"/>,
/// <see cref="OrionServerOptions.SessionLimits"/>, <see cref="OrionServerOptions.AuthFailureLimits"/>,
/// <see cref="OrionServerOptions.VGpus"/>) are replaced by
/// new instances, never changed in place, so no process-wide default (<see cref="TransportOptions.Default"/>,
/// <see cref="SessionLimits.Default"/>) is touched. No reflection: safe under trimming and NativeAOT.
/// </summary>
/// <remarks>
/// Values: numbers in invariant form; byte sizes as a number or with a K, M, G or T suffix (powers of 1024, e.g.
/// <c>16G</c>); durations with a unit (<c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h</c>) or as <c>hh:mm:ss</c>, and
/// <c>Infinite</c> where the option allows it; booleans <c>true</c>/<c>false</c>; <see cref="SessionIsolation"/> by
/// name. Lists (<c>Endpoints</c>, <c>Devices</c>) as array entries (<c>Endpoints:0</c>, <c>Endpoints:1</c>, ...) or as
/// one value, comma-separated. vGPUs as in orion-server's <c>--config</c> file (<see cref="VGpuConfiguration"/>):
/// <c>VGpus:MemoryOversubscription</c> (a ratio, <c>1.5</c>), <c>VGpus:Devices:&lt;ordinal&gt;:Count</c> (equal vGPUs) or
/// <c>VGpus:Devices:&lt;ordinal&gt;:Slices:&lt;n&gt;:Memory</c> (a size) and <c>:Share</c> (percent); a device the section names
/// replaces what the options held for it. <see cref="OrionServerOptions.WorkerLauncher"/> is code, not configuration: set it in
/// code or register an <see cref="Isolation.IWorkerLauncher"/> service.
/// </remarks>
public static class OrionServerConfiguration
{
    /// <summary>The keys this binder reads, directly under the section (for documentation and the coverage test).</summary>
    public static IReadOnlyList<string> Keys { get; } =
    [
        nameof(OrionServerOptions.Endpoints), nameof(OrionServerOptions.Devices), nameof(OrionServerOptions.AuthToken),
        nameof(OrionServerOptions.AuthTokenFile), nameof(OrionServerOptions.AllowUnauthenticated),
        nameof(OrionServerOptions.Tls), nameof(OrionServerOptions.AllowUnencrypted),
        nameof(OrionServerOptions.AuthFailureLimits), nameof(OrionServerOptions.ChunkBytes), nameof(OrionServerOptions.TransportOptions),
        nameof(OrionServerOptions.Isolation), nameof(OrionServerOptions.WorkerConnectTimeout), nameof(OrionServerOptions.MaxWorkers),
        nameof(OrionServerOptions.MaxSessions), nameof(OrionServerOptions.MaxConnections), nameof(OrionServerOptions.MaxConnectionsPerAddress),
        nameof(OrionServerOptions.SendTimeout), nameof(OrionServerOptions.SessionLimits),
        nameof(OrionServerOptions.VGpus), nameof(OrionServerOptions.HelloTimeout), nameof(OrionServerOptions.ModuleCache),
        nameof(OrionServerOptions.ComputeQuantum), nameof(OrionServerOptions.AdmissionWait), nameof(OrionServerOptions.AllowCompression), nameof(OrionServerOptions.ShowAllSessions),
    ];

    /// <summary>Binds <paramref name="section"/> onto <paramref name="options"/>.</summary>
    /// <exception cref="OptionsValidationException">A value is malformed or a key unknown; the message lists every problem, separated by "; ".</exception>
    public static void Bind(IConfiguration section, OrionServerOptions options)
    {
        var problems = TryBind(section, options);
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(OrionServerOptions), problems);
        }
    }

    /// <summary>Binds what it can of <paramref name="section"/> onto <paramref name="options"/>; returns the problems (one line each), none when all went well.</summary>
    public static IReadOnlyList<string> TryBind(IConfiguration section, OrionServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(options);
        var reader = new Reader(section);
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "ENDPOINTS":
                    foreach (var (path, text) in reader.List(child))
                    {
                        if (TransportEndpoint.TryParse(text, out var endpoint, out var error))
                        {
                            options.Endpoints.Add(endpoint);
                        }
                        else
                        {
                            reader.Problem(path, $"'{text}' is not an endpoint: {error}");
                        }
                    }
                    break;
                case "DEVICES":
                    foreach (var (path, text) in reader.List(child))
                    {
                        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var device))
                        {
                            options.Devices.Add(device);
                        }
                        else
                        {
                            reader.Problem(path, $"'{text}' is not a device ordinal (0, 1, ...)");
                        }
                    }
                    break;
                case "AUTHTOKEN":
                    options.AuthToken = reader.Text(child);
                    break;
                case "AUTHTOKENFILE":
                    options.AuthTokenFile = reader.Text(child);
                    break;
                case "ALLOWUNAUTHENTICATED":
                    options.AllowUnauthenticated = reader.Boolean(child, options.AllowUnauthenticated);
                    break;
                case "TLS":
                    options.Tls = BindTls(reader, child, options.Tls);
                    break;
                case "ALLOWUNENCRYPTED":
                    options.AllowUnencrypted = reader.Boolean(child, options.AllowUnencrypted);
                    break;
                case "AUTHFAILURELIMITS":
                    options.AuthFailureLimits = BindAuthFailureLimits(reader, child, options.AuthFailureLimits ?? new AuthFailureLimits());
                    break;
                case "CHUNKBYTES":
                    options.ChunkBytes = reader.Int32Size(child, options.ChunkBytes);
                    break;
                case "ALLOWCOMPRESSION":
                    options.AllowCompression = reader.Boolean(child, options.AllowCompression);
                    break;
                case "TRANSPORTOPTIONS":
                    options.TransportOptions = BindTransportOptions(reader, child, options.TransportOptions ?? new TransportOptions());
                    break;
                case "ISOLATION":
                    options.Isolation = reader.Isolation(child, options.Isolation);
                    break;
                case "WORKERCONNECTTIMEOUT":
                    options.WorkerConnectTimeout = reader.Duration(child, options.WorkerConnectTimeout, allowInfinite: false);
                    break;
                case "MAXWORKERS":
                    options.MaxWorkers = reader.Int32(child, options.MaxWorkers);
                    break;
                case "SHOWALLSESSIONS":
                    options.ShowAllSessions = reader.Boolean(child, options.ShowAllSessions);
                    break;
                case "MAXSESSIONS":
                    options.MaxSessions = reader.Int32(child, options.MaxSessions);
                    break;
                case "ADMISSIONWAIT":
                    options.AdmissionWait = reader.Duration(child, options.AdmissionWait, allowInfinite: false);
                    break;
                case "COMPUTEQUANTUM":
                    options.ComputeQuantum = reader.Duration(child, options.ComputeQuantum, allowInfinite: false);
                    break;
                case "MAXCONNECTIONS":
                    options.MaxConnections = reader.Int32(child, options.MaxConnections);
                    break;
                case "MAXCONNECTIONSPERADDRESS":
                    options.MaxConnectionsPerAddress = reader.Int32(child, options.MaxConnectionsPerAddress);
                    break;
                case "SENDTIMEOUT":
                    options.SendTimeout = reader.Duration(child, options.SendTimeout, allowInfinite: true);
                    break;
                case "SESSIONLIMITS":
                    options.SessionLimits = BindSessionLimits(reader, child, options.SessionLimits ?? new SessionLimits());
                    break;
                case "VGPUS":
                    options.VGpus = BindVGpus(reader, child, options.VGpus ?? new VGpuOptions());
                    break;
                case "HELLOTIMEOUT":
                    options.HelloTimeout = reader.Duration(child, options.HelloTimeout, allowInfinite: false);
                    break;
                case "MODULECACHE":
                    options.ModuleCache = BindModuleCache(reader, child, options.ModuleCache);
                    break;
                case "WORKERLAUNCHER":
                    reader.Problem(child.Path, "is set in code (OrionServerOptions.WorkerLauncher, or an IWorkerLauncher service), not in configuration");
                    break;
                default:
                    reader.Unknown(child, Keys);
                    break;
            }
        }
        return reader.Problems;
    }

    private static TransportOptions BindTransportOptions(Reader reader, IConfigurationSection section, TransportOptions current)
    {
        var result = current with { }; // a copy: the instance the options held (perhaps TransportOptions.Default) stays as it was
        foreach (var child in section.GetChildren())
        {
            result = child.Key.ToUpperInvariant() switch
            {
                "MAXMESSAGESIZE" => result with { MaxMessageSize = reader.Int32Size(child, result.MaxMessageSize) },
                "MAXBULKSIZE" => result with { MaxBulkSize = reader.Int64Size(child, result.MaxBulkSize) },
                "IDLETIMEOUT" => result with { IdleTimeout = reader.Duration(child, result.IdleTimeout, allowInfinite: true) },
                "KEEPALIVEINTERVAL" => result with { KeepAliveInterval = reader.Duration(child, result.KeepAliveInterval, allowInfinite: true) },
                "CONNECTTIMEOUT" => result with { ConnectTimeout = reader.Duration(child, result.ConnectTimeout, allowInfinite: false) },
                "MAXPENDINGSENDBYTES" => result with { MaxPendingSendBytes = reader.Int32Size(child, result.MaxPendingSendBytes) },
                "SOCKETBUFFERSIZE" => result with { SocketBufferSize = reader.Int32Size(child, result.SocketBufferSize) },
                "RECEIVESPINTIME" => result with { ReceiveSpinTime = reader.Duration(child, result.ReceiveSpinTime, allowInfinite: false) },
                _ => reader.Unknown(child, ["MaxMessageSize", "MaxBulkSize", "IdleTimeout", "KeepAliveInterval", "ConnectTimeout", "MaxPendingSendBytes", "SocketBufferSize", "ReceiveSpinTime"], result),
            };
        }
        return result;
    }

    private static SessionLimits BindSessionLimits(Reader reader, IConfigurationSection section, SessionLimits current)
    {
        var result = current with { };
        foreach (var child in section.GetChildren())
        {
            result = child.Key.ToUpperInvariant() switch
            {
                "MEMORYQUOTABYTES" => result with { MemoryQuotaBytes = reader.OptionalSize(child, result.MemoryQuotaBytes) },
                "MAXALLOCATIONS" => result with { MaxAllocations = reader.Int32(child, result.MaxAllocations) },
                "MAXSTREAMS" => result with { MaxStreams = reader.Int32(child, result.MaxStreams) },
                "MAXEVENTS" => result with { MaxEvents = reader.Int32(child, result.MaxEvents) },
                "MAXMODULES" => result with { MaxModules = reader.Int32(child, result.MaxModules) },
                "MAXMODULEIMAGEBYTES" => result with { MaxModuleImageBytes = reader.Int64Size(child, result.MaxModuleImageBytes) },
                "MAXUNAUTHENTICATEDMESSAGEBYTES" => result with { MaxUnauthenticatedMessageBytes = reader.Int32Size(child, result.MaxUnauthenticatedMessageBytes) },
                _ => reader.Unknown(child, ["MemoryQuotaBytes", "MaxAllocations", "MaxStreams", "MaxEvents", "MaxModules", "MaxModuleImageBytes", "MaxUnauthenticatedMessageBytes"], result),
            };
        }
        return result;
    }

    private static AuthFailureLimits BindAuthFailureLimits(Reader reader, IConfigurationSection section, AuthFailureLimits current)
    {
        var result = new AuthFailureLimits
        {
            MaxFailures = current.MaxFailures,
            Window = current.Window,
            Lockout = current.Lockout,
            MaxTrackedAddresses = current.MaxTrackedAddresses,
        };
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "MAXFAILURES":
                    result.MaxFailures = reader.Int32(child, result.MaxFailures);
                    break;
                case "WINDOW":
                    result.Window = reader.Duration(child, result.Window, allowInfinite: false);
                    break;
                case "LOCKOUT":
                    result.Lockout = reader.Duration(child, result.Lockout, allowInfinite: false);
                    break;
                case "MAXTRACKEDADDRESSES":
                    result.MaxTrackedAddresses = reader.Int32(child, result.MaxTrackedAddresses);
                    break;
                default:
                    reader.Unknown(child, ["MaxFailures", "Window", "Lockout", "MaxTrackedAddresses"]);
                    break;
            }
        }
        return result;
    }

    private static VGpuOptions BindVGpus(Reader reader, IConfigurationSection section, VGpuOptions current)
    {
        // A copy: the instance the options held stays as it was; a device named here replaces what it held of that device.
        var result = new VGpuOptions { MemoryOversubscription = current.MemoryOversubscription };
        foreach (var (device, division) in current.Devices)
        {
            result.Devices[device] = division;
        }
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "MEMORYOVERSUBSCRIPTION":
                    result.MemoryOversubscription = reader.Ratio(child, result.MemoryOversubscription);
                    break;
                case "DEVICES":
                    if (child.Value is { Length: > 0 } devicesText)
                    {
                        reader.Problem(child.Path, $"'{devicesText}' is not a section of devices (Devices:0:Count, Devices:1:Slices:0:Memory, ...)");
                    }
                    foreach (var device in child.GetChildren())
                    {
                        if (!int.TryParse(device.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal))
                        {
                            reader.Problem(device.Path, $"'{device.Key}' is not a device ordinal (0, 1, ...)");
                            continue;
                        }
                        if (BindDeviceVGpus(reader, device) is { } division)
                        {
                            result.Devices[ordinal] = division;
                        }
                    }
                    break;
                default:
                    reader.Unknown(child, ["MemoryOversubscription", "Devices"]);
                    break;
            }
        }
        return result;
    }

    private static DeviceVGpuOptions? BindDeviceVGpus(Reader reader, IConfigurationSection section)
    {
        if (!section.GetChildren().Any())
        {
            reader.Problem(section.Path, "expected Count or Slices");
            return null;
        }
        var result = new DeviceVGpuOptions();
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "COUNT":
                    result.Count = reader.Int32(child, result.Count);
                    break;
                case "SLICES":
                    foreach (var slice in child.GetChildren())
                    {
                        if (BindVGpuSlice(reader, slice) is { } options)
                        {
                            result.Slices.Add(options);
                        }
                    }
                    break;
                default:
                    reader.Unknown(child, ["Count", "Slices"]);
                    break;
            }
        }
        return result;
    }

    private static VGpuSliceOptions? BindVGpuSlice(Reader reader, IConfigurationSection section)
    {
        ulong? memory = null;
        int? share = null;
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "MEMORY":
                    if (reader.Text(child) is { } text)
                    {
                        if (ByteSize.TryParse(text, out var bytes))
                        {
                            memory = bytes;
                        }
                        else
                        {
                            reader.Problem(child.Path, $"'{text}' is not a size (bytes, or with a K, M, G or T suffix: 24G, 512M)");
                            return null;
                        }
                    }
                    break;
                case "SHARE":
                    share = reader.OptionalInt32(child, share);
                    break;
                default:
                    reader.Unknown(child, ["Memory", "Share"]);
                    break;
            }
        }
        if (memory is null)
        {
            reader.Problem(section.Path + ":Memory", "is required (a size such as 24G)");
            return null;
        }
        return new VGpuSliceOptions(memory.Value, share);
    }

    private static ModuleCacheOptions? BindModuleCache(Reader reader, IConfigurationSection section, ModuleCacheOptions? current)
    {
        var directory = current?.Directory;
        var maxBytes = current?.MaxBytes ?? ModuleCacheOptions.DefaultMaxBytes;
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "DIRECTORY":
                    directory = reader.Text(child);
                    break;
                case "MAXBYTES":
                    maxBytes = reader.Int64Size(child, maxBytes);
                    break;
                default:
                    reader.Unknown(child, ["Directory", "MaxBytes"]);
                    break;
            }
        }
        if (string.IsNullOrWhiteSpace(directory))
        {
            if (section.GetChildren().Any())
            {
                reader.Problem(section.Path + ":Directory", "is required when ModuleCache is configured (the directory where images are kept)");
            }
            return current;
        }
        return new ModuleCacheOptions(directory, maxBytes);
    }

    private static Tls.TlsCertificateOptions? BindTls(Reader reader, IConfigurationSection section, Tls.TlsCertificateOptions? current)
    {
        var certificate = current?.CertificateFile;
        var key = current?.KeyFile;
        foreach (var child in section.GetChildren())
        {
            switch (child.Key.ToUpperInvariant())
            {
                case "CERTIFICATEFILE":
                    certificate = reader.Text(child);
                    break;
                case "KEYFILE":
                    key = reader.Text(child);
                    break;
                default:
                    reader.Unknown(child, ["CertificateFile", "KeyFile"]);
                    break;
            }
        }
        if (string.IsNullOrWhiteSpace(certificate))
        {
            if (section.GetChildren().Any())
            {
                reader.Problem(section.Path + ":CertificateFile", "is required when Tls is configured (a PEM certificate, or a PKCS#12 file)");
            }
            return current;
        }
        return new Tls.TlsCertificateOptions(certificate, string.IsNullOrWhiteSpace(key) ? null : key);
    }

    /// <summary>Parses a byte size: a number of bytes, or one with a K, M, G or T suffix (powers of 1024).</summary>
    public static bool TryParseSize(string? text, out ulong bytes)
    {
        bytes = 0;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return false;
        }
        var shift = char.ToUpperInvariant(trimmed[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        var digits = shift == 0 ? trimmed : trimmed[..^1];
        if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > ulong.MaxValue >> shift)
        {
            return false;
        }
        bytes = value << shift;
        return true;
    }

    /// <summary>Parses a duration: a number with a unit (<c>us</c>, <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c>), <c>hh:mm:ss</c>, or <c>Infinite</c>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Equals("Infinite", StringComparison.OrdinalIgnoreCase))
        {
            duration = Timeout.InfiniteTimeSpan;
            return true;
        }
        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out duration);
        }
        var unitStart = trimmed.AsSpan().IndexOfAnyExceptInRange('0', '9');
        if (unitStart > 0 && trimmed[unitStart] == '.')
        {
            var after = trimmed.AsSpan(unitStart + 1).IndexOfAnyExceptInRange('0', '9');
            unitStart = after < 0 ? -1 : unitStart + 1 + after;
        }
        if (unitStart <= 0
            || !double.TryParse(trimmed.AsSpan(0, unitStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        var milliseconds = trimmed[unitStart..].ToUpperInvariant() switch
        {
            "US" or "ΜS" => number / 1000, // "µs" upper-cases to Greek capital mu
            "MS" => number,
            "S" => number * 1000,
            "M" or "MIN" => number * 60_000,
            "H" => number * 3_600_000,
            _ => double.NaN,
        };
        if (double.IsNaN(milliseconds) || milliseconds > TimeSpan.MaxValue.TotalMilliseconds / 2)
        {
            return false;
        }
        duration = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    /// <summary>Reads values and collects problems, each naming its key.</summary>
    private sealed class Reader(IConfiguration root)
    {
        private readonly string _root = (root as IConfigurationSection)?.Path ?? "";

        public List<string> Problems { get; } = [];

        public void Problem(string path, string message) =>
            Problems.Add($"{(path.Length > 0 ? path : _root)}: {message}");

        public void Unknown(IConfigurationSection section, IReadOnlyList<string> known) =>
            Problem(section.Path, $"unknown option (known here: {string.Join(", ", known)})");

        public T Unknown<T>(IConfigurationSection section, IReadOnlyList<string> known, T unchanged)
        {
            Unknown(section, known);
            return unchanged;
        }

        /// <summary>A list's entries with their paths: array entries, or one comma-separated value.</summary>
        public IEnumerable<(string Path, string Text)> List(IConfigurationSection section)
        {
            if (section.Value is { } single)
            {
                foreach (var part in single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    yield return (section.Path, part);
                }
                yield break;
            }
            foreach (var entry in section.GetChildren())
            {
                if (entry.Value is null)
                {
                    Problem(entry.Path, "expected a value, found a section");
                    continue;
                }
                yield return (entry.Path, entry.Value.Trim());
            }
        }

        public string? Text(IConfigurationSection section)
        {
            if (section.Value is null && section.GetChildren().Any())
            {
                Problem(section.Path, "expected a value, found a section");
                return null;
            }
            return string.IsNullOrEmpty(section.Value) ? null : section.Value;
        }

        private string? Value(IConfigurationSection section)
        {
            var text = Text(section);
            return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
        }

        /// <summary>Parses a value of the section's own with <paramref name="tryParse"/>; a malformed one is a
        /// problem saying it is not <paramref name="expected"/>, and the current value stays. No value: current.</summary>
        private T Parse<T>(IConfigurationSection section, T current, TryParse<T> tryParse, string expected)
        {
            if (Value(section) is not { } text)
            {
                return current;
            }
            if (tryParse(text, out var value))
            {
                return value;
            }
            Problem(section.Path, $"'{text}' is not {expected}");
            return current;
        }

        private delegate bool TryParse<T>(string text, out T value);

        public bool Boolean(IConfigurationSection section, bool current) =>
            Parse(section, current, bool.TryParse, "true or false");

        public int Int32(IConfigurationSection section, int current) =>
            Parse(section, current, TryParseInt32, "a whole number");

        public int? OptionalInt32(IConfigurationSection section, int? current) =>
            Parse(section, current, static (string text, out int? value) =>
            {
                var parsed = TryParseInt32(text, out var number);
                value = number;
                return parsed;
            }, "a whole number");

        public int Int32Size(IConfigurationSection section, int current)
        {
            var bytes = Int64Size(section, current);
            if (bytes <= int.MaxValue)
            {
                return (int)bytes;
            }
            Problem(section.Path, $"'{section.Value}' is too large (at most {int.MaxValue} bytes)");
            return current;
        }

        public long Int64Size(IConfigurationSection section, long current) =>
            Parse(section, current, static (string text, out long value) =>
            {
                var parsed = TryParseSize(text, out var bytes) && bytes <= long.MaxValue;
                value = (long)bytes;
                return parsed;
            }, "a size (bytes, or with a K, M, G or T suffix: 64K, 16G)");

        public ulong? OptionalSize(IConfigurationSection section, ulong? current) =>
            Parse(section, current, static (string text, out ulong? value) =>
            {
                value = null;
                if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
                var parsed = TryParseSize(text, out var bytes);
                value = bytes;
                return parsed;
            }, "a size (bytes, or with a K, M, G or T suffix: 16G, 512M; or none)");

        public TimeSpan Duration(IConfigurationSection section, TimeSpan current, bool allowInfinite) => allowInfinite
            ? Parse(section, current, TryParseDuration, "a duration (a number with us, ms, s, m or h, e.g. 30s; or hh:mm:ss; or Infinite)")
            : Parse(section, current, static (string text, out TimeSpan value) => TryParseDuration(text, out value) && value != Timeout.InfiniteTimeSpan,
                "a duration (a number with us, ms, s, m or h, e.g. 30s; or hh:mm:ss)");

        public double Ratio(IConfigurationSection section, double current) =>
            Parse(section, current, static (string text, out double value) => double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value),
                "a ratio (e.g. 1.5 lets a device's vGPUs promise 150% of its memory)");

        public SessionIsolation Isolation(IConfigurationSection section, SessionIsolation current) =>
            Parse(section, current, static (string text, out SessionIsolation value) =>
                Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && !char.IsAsciiDigit(text[0]),
                "an isolation mode (Context or Process)");

        private static bool TryParseInt32(string text, out int value) =>
            int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
