using System.Globalization;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// The contract between the supervisor and <c>orion-server worker</c>: the arguments, the ticket on
/// the first line of stdin (never on the command line, where other users could read it), and the
/// line on stdout that reports the bound endpoint. Stdin stays open; its end means the supervisor is gone.
/// </summary>
public static class WorkerCommandLine
{
    /// <summary>The hidden subcommand.</summary>
    public const string Command = "worker";

    /// <summary>The worker's stdout line reporting where it listens: this prefix, then the endpoint.</summary>
    public const string ListeningPrefix = "ORION-WORKER-LISTENING ";

    /// <summary>The arguments after the executable (and its leading arguments) for <paramref name="request"/>.</summary>
    public static IReadOnlyList<string> Arguments(WorkerLaunchRequest request, IEnumerable<string> backendArguments)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(backendArguments);
        var arguments = new List<string>
        {
            Command,
            // Separate parts, because an endpoint's text form needs a real port and the worker's is usually 0 (ephemeral).
            "--listen-scheme", request.ListenEndpoint.Scheme,
            "--listen-host", request.ListenEndpoint.Host,
            "--listen-port", request.ListenEndpoint.Port.ToString(CultureInfo.InvariantCulture),
            "--session-id", request.SessionId.ToString(CultureInfo.InvariantCulture),
            "--chunk-bytes", request.ChunkBytes.ToString(CultureInfo.InvariantCulture),
            "--connect-timeout-ms", ((long)request.ConnectTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        };
        foreach (var device in request.Devices)
        {
            arguments.Add("--device");
            arguments.Add(device.ToString(CultureInfo.InvariantCulture));
        }
        arguments.AddRange(backendArguments);
        return arguments;
    }
}
