namespace Orion.Server.Core;

/// <summary>Where a session's GPU work runs.</summary>
public enum SessionIsolation
{
    /// <summary>In the server process, in the session's own contexts: memory isolation only. A device
    /// fault (illegal address) of one session poisons every context of the process, so this suits the
    /// emulated device and trusted single-tenant use.</summary>
    Context = 0,

    /// <summary>In a worker process per session, which the client is redirected to after the handshake:
    /// a fault, crash or kill of one worker ends that session only.</summary>
    Process = 1,
}
