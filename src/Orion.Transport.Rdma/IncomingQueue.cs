namespace Orion.Transport.Rdma;

/// <summary>
/// Fixed-capacity FIFO of arrivals. Its capacity is what the credits allow to be outstanding
/// (every receive buffer and every slot, plus the close marker), so a peer that overruns it has
/// broken the credit protocol.
/// </summary>
internal sealed class IncomingQueue(int capacity)
{
    private readonly Lock _lock = new();
    private readonly IncomingItem[] _items = new IncomingItem[capacity];
    private int _head;
    private int _count;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public bool TryEnqueue(in IncomingItem item)
    {
        lock (_lock)
        {
            if (_count == _items.Length)
            {
                return false;
            }
            _items[(_head + _count) % _items.Length] = item;
            _count++;
            return true;
        }
    }

    public bool TryDequeue(out IncomingItem item)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                item = default;
                return false;
            }
            item = _items[_head];
            _head = (_head + 1) % _items.Length;
            _count--;
            return true;
        }
    }
}
