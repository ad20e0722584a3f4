using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Software;

/// <summary>
/// Verbs implemented in process with RC semantics, so the transport's own logic (credits, slots,
/// signalling, errors) runs where no RDMA NIC exists. Strict where hardware would hide a bug: a
/// SEND with no receive posted fails at once with receiver-not-ready instead of retrying.
/// </summary>
internal sealed class SoftwareVerbsProvider(SoftwareFabric fabric) : IVerbsProvider
{
    public string Name => "software";

    public SoftwareFabric Fabric { get; } = fabric;

    public bool IsAvailable(out string reason)
    {
        reason = "software verbs provider (in-process, for tests)";
        return true;
    }

    public IVerbsListener Listen(string host, int port, int backlog) => Fabric.Bind(port, backlog);

    public IVerbsEndpoint CreateClient(string host, int port, ref QueueCapacities capacities, TimeSpan timeout)
    {
        if (Fabric.Find(port) is null)
        {
            throw new TransportException(TransportError.ConnectFailed, $"Software RDMA connect to {host}:{port} refused: nothing listens there.");
        }
        var client = Fabric.CreateQueuePair(ref capacities);
        client.TargetPort = port;
        return client;
    }
}
