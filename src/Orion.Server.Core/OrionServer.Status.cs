using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Sessions;

namespace Orion.Server.Core;

/// <summary>What a session in this process may tell its client about the server (calls 115 and 116, <c>orion smi</c>).</summary>
public sealed partial class OrionServer
{
    /// <summary>
    /// The vGPU table for everyone; the session list as <see cref="OrionServerOptions.ShowAllSessions"/> says: every
    /// session (id, client name, vGPU, memory held), or only the caller's own with the count of all.
    /// </summary>
    private sealed class StatusSource(OrionServer server) : IServerStatusSource
    {
        public IReadOnlyList<ServerVGpuStatus> VGpus() => server._admission?.StatusEntries() ?? [];

        public (int Count, IReadOnlyList<ServerSessionStatus> Visible) Sessions(ulong callerSessionId)
        {
            var sessions = server._sessions.Values.ToArray();
            var visible = sessions
                .Where(session => server._options.ShowAllSessions || session.Id == callerSessionId)
                .OrderBy(session => session.Id)
                .Take(ProtocolLimits.MaxListedSessions)
                .Select(session => Describe(session.Snapshot()))
                .ToArray();
            return (sessions.Length, visible);
        }

        private static ServerSessionStatus Describe(SessionSnapshot snapshot) => new(
            snapshot.SessionId,
            snapshot.ClientName,
            snapshot.VGpu?.Device ?? ServerSessionStatus.NoVGpu,
            snapshot.VGpu?.Slice ?? ServerSessionStatus.NoVGpu,
            snapshot.AllocatedBytes);
    }
}
