using Microsoft.Extensions.Logging;

namespace Orion.Transport.SharedMemory;

internal static partial class SharedMemoryLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "shm connection on {Socket} from pid {ProcessId}, uid {UserId}, gid {GroupId}")]
    public static partial void Accepted(ILogger logger, string socket, int processId, uint userId, uint groupId);

    [LoggerMessage(Level = LogLevel.Information, Message = "shm connected to {Socket}: server pid {ProcessId}, uid {UserId}, gid {GroupId}")]
    public static partial void Connected(ILogger logger, string socket, int processId, uint userId, uint groupId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "shm connection on {Socket} from pid {ProcessId} (uid {UserId}) refused: {Reason}")]
    public static partial void Refused(ILogger logger, string socket, int processId, uint userId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Endpoint} uses shm: the server is on this host ({Socket})")]
    public static partial void ChoseSharedMemory(ILogger logger, TransportEndpoint endpoint, string socket);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Endpoint} uses {Scheme}: not shared memory, {Reason}")]
    public static partial void FellBack(ILogger logger, TransportEndpoint endpoint, string scheme, string reason);
}
