using System.Security.Cryptography;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Isolation;

/// <summary>One-time worker tickets: 256 random bits as lowercase hex.</summary>
public static class WorkerTicket
{
    public static string Create() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(ProtocolLimits.WorkerTicketChars / 2));

    public static bool IsWellFormed(string? ticket) => ticket is not null && ServerWelcome.IsWellFormedTicket(ticket);
}
