using Microsoft.Extensions.Options;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Hosting;

/// <summary>
/// Checks an <see cref="OrionServerOptions"/> before a server is made from it, with one line per problem naming the
/// configuration key (under <paramref name="sectionPath"/>, e.g. <c>Orion:ChunkBytes</c>). What needs the backend or
/// the file system (devices that exist, the token file, endpoints reachable without a token) is checked when the
/// server starts (<see cref="OrionServer.StartAsync"/>).
/// </summary>
/// <param name="sectionPath">The configuration section the options come from, for the messages; empty for none.</param>
public sealed class OrionServerOptionsValidator(string sectionPath = "") : IValidateOptions<OrionServerOptions>
{
    public ValidateOptionsResult Validate(string? name, OrionServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Check(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>The problems of <paramref name="options"/>, one line each; empty when there are none.</summary>
    public IReadOnlyList<string> Check(OrionServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        void Problem(string key, string message) => problems.Add($"{(sectionPath.Length > 0 ? sectionPath + ":" : "")}{key}: {message}");

        if (options.Endpoints.Count == 0)
        {
            Problem(nameof(options.Endpoints), "at least one endpoint to listen on is required (e.g. tcp://127.0.0.1:7000)");
        }
        foreach (var device in options.Devices)
        {
            if (device < 0)
            {
                Problem(nameof(options.Devices), $"{device} is not a device ordinal (0, 1, ...)");
            }
        }
        if (options.Devices.Distinct().Count() != options.Devices.Count)
        {
            Problem(nameof(options.Devices), "a device is listed twice");
        }
        if (!string.IsNullOrEmpty(options.AuthToken) && !string.IsNullOrEmpty(options.AuthTokenFile))
        {
            Problem(nameof(options.AuthToken), "set AuthToken or AuthTokenFile, not both");
        }
        if (options.ChunkBytes is < ProtocolLimits.MinChunkBytes or > ProtocolLimits.MaxChunkBytes)
        {
            Problem(nameof(options.ChunkBytes), $"{options.ChunkBytes} is outside {ProtocolLimits.MinChunkBytes}..{ProtocolLimits.MaxChunkBytes} bytes");
        }
        if (!Enum.IsDefined(options.Isolation))
        {
            Problem(nameof(options.Isolation), $"{options.Isolation} is not an isolation mode (Context or Process)");
        }
        else if (options.Isolation == SessionIsolation.Process && options.WorkerLauncher is null)
        {
            Problem(nameof(options.Isolation), "Process isolation needs a worker launcher (OrionServerOptions.WorkerLauncher, or an IWorkerLauncher service), e.g. ProcessWorkerLauncher.ForThisProgram(...)");
        }
        Positive(nameof(options.HelloTimeout), options.HelloTimeout, allowInfinite: false);
        Positive(nameof(options.WorkerConnectTimeout), options.WorkerConnectTimeout, allowInfinite: false);
        Positive(nameof(options.SendTimeout), options.SendTimeout, allowInfinite: true);
        if (options.AdmissionWait < TimeSpan.Zero || options.AdmissionWait > TimeSpan.FromMinutes(1))
        {
            Problem(nameof(options.AdmissionWait), $"{options.AdmissionWait} is outside 0 (refuse at once) .. 1 minute");
        }
        if (options.ComputeQuantum < TimeSpan.Zero || options.ComputeQuantum > TimeSpan.FromSeconds(10))
        {
            Problem(nameof(options.ComputeQuantum), $"{options.ComputeQuantum} is outside 0 (shares not enforced) .. 10 s");
        }
        if (options.MaxSessions < 1)
        {
            Problem(nameof(options.MaxSessions), $"{options.MaxSessions} is less than 1");
        }
        if (options.MaxConnections < 1)
        {
            Problem(nameof(options.MaxConnections), $"{options.MaxConnections} is less than 1");
        }
        if (options.MaxConnectionsPerAddress < 1)
        {
            Problem(nameof(options.MaxConnectionsPerAddress), $"{options.MaxConnectionsPerAddress} is less than 1");
        }
        if (options.MaxWorkers < 1)
        {
            Problem(nameof(options.MaxWorkers), $"{options.MaxWorkers} is less than 1");
        }
        Nested(nameof(options.SessionLimits), () => (options.SessionLimits ?? throw new ArgumentNullException(nameof(options), "must not be null")).Validate());
        Nested(nameof(options.TransportOptions), () => (options.TransportOptions ?? throw new ArgumentNullException(nameof(options), "must not be null")).Validate());
        Nested(nameof(options.AuthFailureLimits), () => (options.AuthFailureLimits ?? throw new InvalidOperationException("must not be null (MaxFailures = 0 turns the limit off)")).Validate());
        if (options.VGpus is null)
        {
            Problem(nameof(options.VGpus), "must not be null (an empty VGpuOptions means no vGPUs)");
        }
        else
        {
            try
            {
                // Counts, shares and the ratio; each vGPU's memory against its device's is checked when the server starts.
                options.VGpus.Validate();
            }
            catch (VGpus.VGpuConfigurationException ex)
            {
                Problem(nameof(options.VGpus), ex.Message);
            }
        }
        if (options.ModuleCache is { } cache && (string.IsNullOrWhiteSpace(cache.Directory) || cache.MaxBytes <= 0))
        {
            Problem(nameof(options.ModuleCache), "needs a Directory and a positive MaxBytes");
        }
        return problems;

        void Positive(string key, TimeSpan value, bool allowInfinite)
        {
            if (value <= TimeSpan.Zero && !(allowInfinite && value == Timeout.InfiniteTimeSpan))
            {
                Problem(key, $"{value} is not a positive duration{(allowInfinite ? " (or Infinite)" : "")}");
            }
        }

        void Nested(string key, Action validate)
        {
            try
            {
                validate();
            }
            catch (ArgumentException ex)
            {
                // ArgumentOutOfRangeException's message has the parameter and value on lines of their own: keep the first.
                Problem(key + (ex.ParamName is { Length: > 0 } parameter && parameter != nameof(options) ? ":" + parameter : ""),
                    FirstLine(ex.Message));
            }
            catch (InvalidOperationException ex)
            {
                Problem(key, FirstLine(ex.Message));
            }
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        var line = end < 0 ? message : message[..end];
        var parameter = line.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return parameter < 0 ? line : line[..parameter];
    }
}
