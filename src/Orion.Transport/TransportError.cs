namespace Orion.Transport;

/// <summary>Why a connection or an operation on it failed.</summary>
public enum TransportError
{
    /// <summary>The peer closed the connection in an orderly way.</summary>
    ConnectionClosed,
    /// <summary>The peer vanished or reset the connection (crash, network failure, abort).</summary>
    ConnectionReset,
    /// <summary>This side aborted or disposed the connection.</summary>
    ConnectionAborted,
    /// <summary>The peer sent bytes that are not a valid frame.</summary>
    ProtocolViolation,
    /// <summary>A frame announced a length above the configured limit; nothing was allocated for it.</summary>
    FrameTooLarge,
    /// <summary>Nothing arrived within the idle timeout.</summary>
    Timeout,
    /// <summary>Connecting failed (refused, unreachable, timed out).</summary>
    ConnectFailed,
    /// <summary>The caller used the API out of order (e.g. receiving a message where a bulk transfer was sent).</summary>
    UnexpectedFrame,
    /// <summary>The transport is not available on this host (e.g. no RDMA device).</summary>
    Unavailable,
}
