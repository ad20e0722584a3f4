using Microsoft.Extensions.Logging;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Server.Core.Sessions;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Session {SessionId} started for '{ClientName}' from {Remote}")]
    public static partial void SessionStarted(ILogger logger, ulong sessionId, string clientName, string remote);

    [LoggerMessage(30, LogLevel.Information, "Session {SessionId} ('{ClientName}') holds {VGpu}")]
    public static partial void SessionPlaced(ILogger logger, ulong sessionId, string clientName, string vgpu);

    [LoggerMessage(2, LogLevel.Warning, "Session {SessionId} refused for '{ClientName}' from {Remote}: {Status}: {Reason}")]
    public static partial void SessionRefused(ILogger logger, ulong sessionId, string clientName, string remote, HandshakeStatus status, string reason);

    [LoggerMessage(3, LogLevel.Information, "Session {SessionId} ('{ClientName}') closed by the client")]
    public static partial void SessionClosed(ILogger logger, ulong sessionId, string clientName);

    [LoggerMessage(4, LogLevel.Warning, "Session {SessionId} ('{ClientName}') transport failed: {Error}: {Message}")]
    public static partial void SessionTransportFailed(ILogger logger, ulong sessionId, string clientName, TransportError error, string message);

    [LoggerMessage(5, LogLevel.Warning, "Session {SessionId} ('{ClientName}') sent a malformed message and was ended: {Reason}")]
    public static partial void SessionMalformed(ILogger logger, ulong sessionId, string clientName, string reason);

    [LoggerMessage(6, LogLevel.Error, "Session {SessionId} ('{ClientName}') failed")]
    public static partial void SessionFaulted(ILogger logger, Exception exception, ulong sessionId, string clientName);

    [LoggerMessage(7, LogLevel.Debug, "Session {SessionId} ('{ClientName}') freed everything it held")]
    public static partial void SessionCleanedUp(ILogger logger, ulong sessionId, string clientName);

    [LoggerMessage(10, LogLevel.Debug, "Connection {SessionId} from {Remote} ended before its hello ({Error})")]
    public static partial void SessionEndedBeforeHello(ILogger logger, ulong sessionId, string remote, TransportError error);

    [LoggerMessage(8, LogLevel.Information, "Listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(9, LogLevel.Warning, "Accepting on {Endpoint} failed: {Message}")]
    public static partial void AcceptFailed(ILogger logger, string endpoint, string message);

    [LoggerMessage(20, LogLevel.Information, "Worker for session {SessionId} listening on {Endpoint}")]
    public static partial void WorkerListening(ILogger logger, ulong sessionId, string endpoint);

    [LoggerMessage(21, LogLevel.Warning, "Worker for session {SessionId}: no client presented the ticket within {Seconds} s; exiting")]
    public static partial void WorkerNoClient(ILogger logger, ulong sessionId, double seconds);

    [LoggerMessage(22, LogLevel.Information, "Session {SessionId} ('{ClientName}') from {Remote} redirected to worker {Endpoint} (pid {Pid})")]
    public static partial void SessionRedirected(ILogger logger, ulong sessionId, string clientName, string remote, string endpoint, string pid);

    [LoggerMessage(23, LogLevel.Information, "Worker of session {SessionId} (pid {Pid}) exited with code {ExitCode}")]
    public static partial void WorkerExited(ILogger logger, ulong sessionId, string pid, int exitCode);

    [LoggerMessage(24, LogLevel.Error, "Cannot start a worker for session {SessionId}: {Reason}")]
    public static partial void WorkerLaunchFailed(ILogger logger, ulong sessionId, string reason);

    [LoggerMessage(25, LogLevel.Information, "Worker {Pid}: {Line}")]
    public static partial void WorkerOutput(ILogger logger, int pid, string line);
}
