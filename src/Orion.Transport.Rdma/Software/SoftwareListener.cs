using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Software;

internal sealed class SoftwareListener(SoftwareFabric fabric, int port, int backlog) : IVerbsListener
{
    private readonly Lock _lock = new();
    private readonly Queue<SoftwareConnectRequest> _pending = new();
    private readonly SemaphoreSlim _available = new(0);
    private bool _disposed;

    public int Port { get; } = port;

    /// <summary>Queues a client's request; false (connection refused) when closed or the backlog is full.</summary>
    public bool Enqueue(SoftwareConnectRequest request)
    {
        lock (_lock)
        {
            if (_disposed || _pending.Count >= Math.Max(backlog, 1))
            {
                return false;
            }
            _pending.Enqueue(request);
        }
        _available.Release();
        return true;
    }

    public IVerbsEndpoint? GetRequest(ref QueueCapacities capacities, TimeSpan timeout, Span<byte> peerPrivateData, out int peerPrivateLength)
    {
        peerPrivateLength = 0;
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_available.Wait(timeout))
        {
            return null;
        }
        SoftwareConnectRequest request;
        lock (_lock)
        {
            if (_disposed || !_pending.TryDequeue(out request!))
            {
                return null;
            }
        }
        var server = fabric.CreateQueuePair(ref capacities);
        server.AttachRequest(request);
        peerPrivateLength = Math.Min(request.PrivateData.Length, peerPrivateData.Length);
        request.PrivateData.AsSpan(0, peerPrivateLength).CopyTo(peerPrivateData);
        return server;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            while (_pending.TryDequeue(out var request))
            {
                request.Reject();
            }
        }
        fabric.Unbind(this);
        _available.Release(); // wakes a GetRequest in progress
    }
}
