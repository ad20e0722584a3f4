namespace Orion.Transport.Rdma.Verbs;

/// <summary>
/// The verbs the RDMA transport needs, shaped like the C shim: the native provider calls the shim,
/// the software provider implements RC semantics in process so the transport logic runs in CI.
/// Setup calls block (with timeouts); the data-path calls never block.
/// </summary>
internal interface IVerbsProvider
{
    string Name { get; }

    /// <summary>Whether a usable device exists; if not, why (shim missing, rdma-core missing, no device).</summary>
    bool IsAvailable(out string reason);

    /// <summary>Binds and listens; throws <see cref="TransportException"/> on failure.</summary>
    IVerbsListener Listen(string host, int port, int backlog);

    /// <summary>Resolves the peer and creates PD, CQ and RC QP, ready for registration and receives
    /// before <see cref="IVerbsEndpoint.Connect"/>. Throws <see cref="TransportException"/> (ConnectFailed).</summary>
    IVerbsEndpoint CreateClient(string host, int port, ref QueueCapacities capacities, TimeSpan timeout);
}
