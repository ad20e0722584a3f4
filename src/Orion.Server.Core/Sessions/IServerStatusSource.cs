namespace Orion.Server.Core.Sessions;

/// <summary>
/// What a session may tell its client about the server beyond itself (calls 115 and 116): the vGPU table and the live
/// sessions. Only the process that admits sessions has it; a worker in process isolation sees its own session alone.
/// </summary>
internal interface IServerStatusSource
{
    /// <summary>Every vGPU with its holder, and an entry per undivided device; empty where no device is divided.</summary>
    IReadOnlyList<ServerVGpuStatus> VGpus();

    /// <summary>How many sessions are live, and those <paramref name="callerSessionId"/>'s client may see (at most <see cref="Orion.Cuda.Protocol.Wire.ProtocolLimits.MaxListedSessions"/>).</summary>
    (int Count, IReadOnlyList<ServerSessionStatus> Visible) Sessions(ulong callerSessionId);
}
