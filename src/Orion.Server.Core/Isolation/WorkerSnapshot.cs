using Orion.Transport;

namespace Orion.Server.Core.Isolation;

/// <summary>A live worker of a process-isolation server.</summary>
/// <param name="SessionId">The session it serves.</param>
/// <param name="ProcessId">Its process id; null for an in-process worker.</param>
/// <param name="Endpoint">Where it listens (or listened) for its client.</param>
public sealed record WorkerSnapshot(ulong SessionId, int? ProcessId, TransportEndpoint Endpoint);
