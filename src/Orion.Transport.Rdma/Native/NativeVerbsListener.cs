using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Native;

internal sealed unsafe class NativeVerbsListener(ListenerHandle handle, int port) : IVerbsListener
{
    private const int TimedOut = -110; // -ETIMEDOUT

    public int Port { get; } = port;

    public IVerbsEndpoint? GetRequest(ref QueueCapacities capacities, TimeSpan timeout, Span<byte> peerPrivateData, out int peerPrivateLength)
    {
        var buffer = stackalloc byte[ShimMethods.MaxPrivateData];
        var rc = ShimMethods.GetRequest(handle, NativeVerbsProvider.ToMilliseconds(timeout), ref capacities, out var endpoint, buffer, out var length);
        if (rc != 0)
        {
            endpoint.Dispose();
            peerPrivateLength = 0;
            if (rc == TimedOut)
            {
                return null;
            }
            throw new TransportException(TransportError.ConnectFailed, "RDMA connect request failed: " + ShimMethods.LastError());
        }
        peerPrivateLength = Math.Min(length, peerPrivateData.Length);
        new ReadOnlySpan<byte>(buffer, peerPrivateLength).CopyTo(peerPrivateData);
        return new NativeVerbsEndpoint(endpoint);
    }

    public void Dispose() => handle.Dispose();
}
