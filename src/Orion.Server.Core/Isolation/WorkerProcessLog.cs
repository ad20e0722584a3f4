using Microsoft.Extensions.Logging;

namespace Orion.Server.Core.Isolation;

/// <summary>The log lines of <see cref="OrionWorkerProcess"/>: each says why the worker exits early.</summary>
internal static partial class WorkerProcessLog
{
    [LoggerMessage(40, LogLevel.Error, "Worker: bad arguments: {Reason}. Expected: worker --listen-scheme <scheme> --listen-host <host> --session-id <id> [--listen-port <port>] [--chunk-bytes <n>] [--connect-timeout-ms <ms>] [--log-level <level>] [--device <ordinal>]... -- <host arguments>")]
    public static partial void BadArguments(ILogger logger, string reason);

    [LoggerMessage(41, LogLevel.Error, "Worker: no valid ticket on the first line of stdin (64 lowercase hex characters)")]
    public static partial void BadTicket(ILogger logger);

    [LoggerMessage(42, LogLevel.Error, "Worker: this host has no transport for --listen-scheme '{Scheme}': {Reason}")]
    public static partial void NoTransport(ILogger logger, string scheme, string reason);

    [LoggerMessage(43, LogLevel.Error, "Worker cannot start: the host's backend factory returned no backend")]
    public static partial void NoBackend(ILogger logger);

    [LoggerMessage(44, LogLevel.Error, "Worker cannot start: the host's backend factory failed")]
    public static partial void BackendFactoryFailed(ILogger logger, Exception exception);

    [LoggerMessage(45, LogLevel.Error, "Worker cannot start: {Reason}")]
    public static partial void CannotStart(ILogger logger, string reason);

    [LoggerMessage(46, LogLevel.Warning, "Worker: device output stays in this worker's log, not sent to the client: {Reason}")]
    public static partial void DeviceOutputUnavailable(ILogger logger, string reason);
}
