using Microsoft.Extensions.Logging;

namespace Orion.Samples.Server;

internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Error, "Invalid --listen endpoint '{Endpoint}': {Error}")]
    public static partial void InvalidEndpoint(ILogger logger, string endpoint, string error);

    [LoggerMessage(2, LogLevel.Warning, "Serving the EMULATED device ({Backend}): no GPU is used; only the samples' built-in kernels run.")]
    public static partial void ServingEmulated(ILogger logger, string backend);

    [LoggerMessage(3, LogLevel.Error, "No GPU available: {Reason}. Start with --emulated to serve the emulated device instead (development only).")]
    public static partial void NoGpu(ILogger logger, string reason);

    [LoggerMessage(4, LogLevel.Information, "Using {Backend}")]
    public static partial void UsingBackend(ILogger logger, string backend);

    [LoggerMessage(5, LogLevel.Error, "Cannot start: {Message}")]
    public static partial void CannotStart(ILogger logger, string message);

    [LoggerMessage(6, LogLevel.Information, "Orion server ready on {Endpoints} ({Auth}, {Isolation} isolation)")]
    public static partial void Ready(ILogger logger, string endpoints, string auth, Orion.Server.Core.SessionIsolation isolation);

    [LoggerMessage(7, LogLevel.Information, "Stopping: ending {Count} session(s)")]
    public static partial void Stopping(ILogger logger, int count);

    [LoggerMessage(8, LogLevel.Error, "Worker: invalid backend arguments from the supervisor: {Errors}")]
    public static partial void InvalidBackendArguments(ILogger logger, string errors);

    [LoggerMessage(9, LogLevel.Error, "--token is not accepted: a token on the command line is visible to every user of this host (ps, /proc/<pid>/cmdline). "
        + "Put it in a file readable only by you and pass --token-file PATH, or set ORION_TOKEN_FILE or ORION_TOKEN.")]
    public static partial void TokenOnCommandLine(ILogger logger);

    [LoggerMessage(10, LogLevel.Error, "Cannot use the auth token: {Error}")]
    public static partial void InvalidToken(ILogger logger, string error);

    [LoggerMessage(11, LogLevel.Error, "Refusing to listen on {Endpoint} without authentication: it is not a loopback address. "
        + "Give a token with --token-file PATH (or ORION_TOKEN_FILE / ORION_TOKEN), or pass --allow-unauthenticated to serve any client that can reach it.")]
    public static partial void ExposedWithoutToken(ILogger logger, string endpoint);

    [LoggerMessage(12, LogLevel.Error, "Invalid vGPU configuration: {Error}")]
    public static partial void InvalidVGpus(ILogger logger, string error);

    [LoggerMessage(13, LogLevel.Information, "vGPU {Slice} of device {Device}: {Memory}, {SharePercent}% compute share")]
    public static partial void VGpuOffered(ILogger logger, int device, int slice, string memory, int sharePercent);

    [LoggerMessage(14, LogLevel.Error, "Invalid configuration: {Problems}")]
    public static partial void InvalidConfiguration(ILogger logger, string problems);

    [LoggerMessage(15, LogLevel.Error, "Refusing to listen on {Endpoint} without TLS: it is not a loopback address, and the token and all data would cross the network in clear. "
        + "Listen on tls://{Host}:{Port} with --tls-certificate FILE (and --tls-key FILE), or pass --allow-unencrypted for a trusted network.")]
    public static partial void ExposedWithoutTls(ILogger logger, string endpoint, string host, int port);

    [LoggerMessage(16, LogLevel.Error, "Cannot listen on {Endpoint}: TLS needs a certificate (--tls-certificate FILE, and --tls-key FILE for a PEM key of its own)")]
    public static partial void TlsWithoutCertificate(ILogger logger, string endpoint);
}
