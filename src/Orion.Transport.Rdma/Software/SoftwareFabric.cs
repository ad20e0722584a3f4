using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Software;

/// <summary>
/// The in-process "network" of the software verbs provider: listeners by port (the host part of an
/// endpoint is ignored: every software endpoint lives in this process) and the memory-key space.
/// </summary>
internal sealed class SoftwareFabric
{
    private const int FirstDynamicPort = 49152;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, SoftwareListener> _listeners = [];
    private int _nextPort = FirstDynamicPort;
    private int _nextKey = 0x100;

    public static SoftwareFabric Shared { get; } = new();

    /// <summary>Inline limit the software QPs grant, about what RoCE NICs offer.</summary>
    public int MaxInlineData { get; init; } = 256;

    public uint NextKey() => (uint)Interlocked.Increment(ref _nextKey);

    public SoftwareListener Bind(int port, int backlog)
    {
        lock (_lock)
        {
            if (port == 0)
            {
                while (_listeners.ContainsKey(_nextPort))
                {
                    _nextPort = _nextPort == ushort.MaxValue ? FirstDynamicPort : _nextPort + 1;
                }
                port = _nextPort++;
            }
            if (_listeners.ContainsKey(port))
            {
                throw new TransportException(TransportError.Unavailable, $"Software RDMA port {port} is already in use.");
            }
            var listener = new SoftwareListener(this, port, backlog);
            _listeners.Add(port, listener);
            return listener;
        }
    }

    public void Unbind(SoftwareListener listener)
    {
        lock (_lock)
        {
            if (_listeners.TryGetValue(listener.Port, out var bound) && ReferenceEquals(bound, listener))
            {
                _listeners.Remove(listener.Port);
            }
        }
    }

    public SoftwareListener? Find(int port)
    {
        lock (_lock)
        {
            return _listeners.GetValueOrDefault(port);
        }
    }

    public SoftwareQueuePair CreateQueuePair(ref QueueCapacities capacities)
    {
        capacities.MaxInlineData = (uint)Math.Min(capacities.MaxInlineData, MaxInlineData);
        return new SoftwareQueuePair(this, capacities);
    }
}
