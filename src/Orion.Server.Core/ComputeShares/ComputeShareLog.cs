using Microsoft.Extensions.Logging;

namespace Orion.Server.Core.ComputeShares;

internal static partial class ComputeShareLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Warning, Message = "A connection to the GPU time socket presented no known worker key; closed")]
    public static partial void UnknownWorkerKey(ILogger logger);

    [LoggerMessage(EventId = 901, Level = LogLevel.Error, Message = "{Session}: the supervisor's GPU time scheduler at {Path} cannot be reached ({Reason}); the session's compute share is not enforced")]
    public static partial void SchedulerUnreachable(ILogger logger, string session, string path, string reason);

    [LoggerMessage(EventId = 902, Level = LogLevel.Information, Message = "Compute shares are enforced by turns of {QuantumMs} ms on each GPU with vGPUs")]
    public static partial void Enforcing(ILogger logger, double quantumMs);
}
