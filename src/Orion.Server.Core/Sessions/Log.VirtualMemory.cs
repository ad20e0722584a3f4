using Microsoft.Extensions.Logging;

namespace Orion.Server.Core.Sessions;

/// <summary>What the virtual memory management calls refuse that a program may have meant to use.</summary>
internal static partial class Log
{
    [LoggerMessage(60, LogLevel.Warning,
        "Session {SessionId}: {Call} asked for shareable handle types 0x{HandleTypes:x} (POSIX file descriptor 1, fabric 8, ...); refused with CUDA_ERROR_NOT_SUPPORTED: such a handle would name memory of the server's process")]
    public static partial void ShareableHandleRefused(ILogger logger, ulong sessionId, string call, int handleTypes);

    [LoggerMessage(61, LogLevel.Warning,
        "Session {SessionId}: {Call} names device {Device} for memory of device {MemoryDevice}; refused with CUDA_ERROR_NOT_SUPPORTED: memory of one device is not mapped for another through Orion")]
    public static partial void OtherDeviceRefused(ILogger logger, ulong sessionId, string call, int device, int memoryDevice);
}
