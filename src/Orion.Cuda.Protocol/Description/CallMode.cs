namespace Orion.Cuda.Protocol.Description;

/// <summary>Whether the client waits for a call.</summary>
public enum CallMode
{
    /// <summary>The record carries a request id; the client waits for the reply (status, latched earlier error, out fields).</summary>
    Synchronous = 1,

    /// <summary>
    /// Queued in the client's batch, no reply: a failure latches on the server and comes back with the
    /// next reply, as CUDA reports an asynchronous error at the next synchronizing call. An
    /// asynchronous call with data for the client still carries a request id (the data's reply),
    /// but nobody waits for it.
    /// </summary>
    Asynchronous = 2,
}
