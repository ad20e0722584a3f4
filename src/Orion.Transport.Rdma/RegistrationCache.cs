using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma;

/// <summary>
/// Keeps memory registrations of large user buffers for reuse, so a buffer sent again goes out
/// zero-copy without another ibv_reg_mr. Only native (non-GC) memory is cached: a GC array is
/// pinned just for one call, after which its address may hold something else, so those are
/// registered per call (still zero-copy). Least recently used unused entries are evicted.
/// Not thread-safe: the connection calls it under its lock.
/// </summary>
internal sealed class RegistrationCache(IVerbsEndpoint endpoint, int capacity)
{
    private readonly List<Entry> _entries = [];
    private long _clock;

    public int Hits { get; private set; }

    public int Misses { get; private set; }

    public int Count => _entries.Count;

    public Lease Acquire(nint address, long length, bool cacheable)
    {
        if (cacheable && capacity > 0)
        {
            foreach (var entry in _entries)
            {
                if (address >= entry.Region.Address && (long)address - (long)entry.Region.Address + length <= entry.Region.Length)
                {
                    Hits++;
                    entry.Users++;
                    entry.LastUse = ++_clock;
                    return new Lease(entry.Region, entry);
                }
            }
        }
        Misses++;
        var region = endpoint.Register(address, length, AccessFlags.LocalWrite);
        if (!cacheable || capacity == 0 || !MakeRoom())
        {
            return new Lease(region, null);
        }
        var added = new Entry(region) { Users = 1, LastUse = ++_clock };
        _entries.Add(added);
        return new Lease(region, added);
    }

    public void Release(in Lease lease)
    {
        if (lease.Entry is { } entry)
        {
            entry.Users--;
        }
        else
        {
            endpoint.Deregister(lease.Region);
        }
    }

    public void Clear()
    {
        foreach (var entry in _entries)
        {
            endpoint.Deregister(entry.Region);
        }
        _entries.Clear();
    }

    private bool MakeRoom()
    {
        if (_entries.Count < capacity)
        {
            return true;
        }
        Entry? victim = null;
        foreach (var entry in _entries)
        {
            if (entry.Users == 0 && (victim is null || entry.LastUse < victim.LastUse))
            {
                victim = entry;
            }
        }
        if (victim is null)
        {
            return false;
        }
        endpoint.Deregister(victim.Region);
        _entries.Remove(victim);
        return true;
    }

    internal sealed class Entry(MemoryRegion region)
    {
        public MemoryRegion Region { get; } = region;

        public int Users { get; set; }

        public long LastUse { get; set; }
    }

    internal readonly record struct Lease(MemoryRegion Region, Entry? Entry);
}
