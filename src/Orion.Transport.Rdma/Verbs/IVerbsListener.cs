namespace Orion.Transport.Rdma.Verbs;

internal interface IVerbsListener : IDisposable
{
    int Port { get; }

    /// <summary>Waits up to <paramref name="timeout"/> for a connect request; null when none came.
    /// The endpoint returned has its QP and awaits <see cref="IVerbsEndpoint.Accept"/> or <see cref="IVerbsEndpoint.Reject"/>.</summary>
    IVerbsEndpoint? GetRequest(ref QueueCapacities capacities, TimeSpan timeout, Span<byte> peerPrivateData, out int peerPrivateLength);
}
