namespace Orion.Transport.Rdma;

/// <summary>What a SEND on an RDMA queue pair carries (first byte of its <see cref="RdmaFrameHeader"/>).
/// The values are wire constants: never renumber them.</summary>
internal enum RdmaFrameKind : byte
{
    /// <summary>A whole message in this SEND.</summary>
    Message = 1,
    /// <summary>A message too large for a SEND; its bytes follow as RDMA WRITEs with immediate into slots.</summary>
    MessageStart = 2,
    /// <summary>A bulk transfer; its bytes follow as RDMA WRITEs with immediate into slots.</summary>
    BulkStart = 3,
    /// <summary>Only returns credits.</summary>
    Credit = 4,
    /// <summary>Proves liveness to the peer's idle timer.</summary>
    KeepAlive = 5,
    /// <summary>Orderly close: nothing follows.</summary>
    Close = 6,
    /// <summary>A whole bulk transfer small enough for one SEND: copied like a small message, so the
    /// sender neither waits for a write completion nor spends a slot on a few bytes.</summary>
    Bulk = 7,
}
