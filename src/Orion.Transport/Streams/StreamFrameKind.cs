namespace Orion.Transport.Streams;

/// <summary>What a frame on a byte-stream transport carries (<see cref="StreamFrameHeader"/>). The
/// values are wire constants: never renumber them.</summary>
internal enum StreamFrameKind : byte
{
    /// <summary>A framed message, delivered whole by <see cref="TransportConnection.ReceiveAsync"/>.</summary>
    Message = 1,
    /// <summary>A bulk payload, received straight into the caller's buffer.</summary>
    Bulk = 2,
    /// <summary>No payload; proves the peer is alive while the connection is otherwise silent.</summary>
    KeepAlive = 3,
    /// <summary>No payload; the sender closes gracefully and sends nothing after it.</summary>
    Close = 4,
}
