namespace Orion.Cuda.Protocol.Description;

/// <summary>Bulk data that travels beside a call's record, in chunks of the session's chunk size.</summary>
public enum BulkDirection
{
    None = 0,

    /// <summary>The client's data follows the message that carries the record (host-to-device copies, module images). The server consumes all of it, even when the call fails, so the connection stays in step.</summary>
    ToServer = 1,

    /// <summary>The data follows the reply, which announces its size (device-to-host copies). The reply's body is that size alone.</summary>
    ToClient = 2,
}
