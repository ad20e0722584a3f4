using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Orion.Server.Core.ComputeShares;

/// <summary>A worker's way to its session's gate: over the supervisor's socket, or, when that cannot be reached, none (logged).</summary>
internal sealed class SocketComputeShareJoiner(string socketPath, string ticket, ILogger logger) : IComputeShareJoiner
{
    public ComputeShareGate Join(int device, int sharePercent, string sessionName)
    {
        try
        {
            return GpuTimeSocketLink.Connect(socketPath, ticket);
        }
        catch (SocketException ex)
        {
            // Without the supervisor's scheduler the session would wait forever for a turn; it runs unscheduled instead, said once.
            ComputeShareLog.SchedulerUnreachable(logger, sessionName, socketPath, ex.Message);
            var gate = new ComputeShareGate();
            gate.Attach(new UnscheduledLink(gate));
            return gate;
        }
    }

    /// <summary>Grants every request at once.</summary>
    private sealed class UnscheduledLink(IGpuTimeHolder holder) : IGpuTimeLink
    {
        public void Request() => holder.Granted();

        public void Release()
        {
        }

        public void Requeue() => holder.Granted();

        public void Dispose()
        {
        }
    }
}
