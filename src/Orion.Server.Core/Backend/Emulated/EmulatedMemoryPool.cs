namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// The bookkeeping of one emulated memory pool: which blocks it holds (in use, or freed and kept for
/// reuse), its attributes and its watermarks, as <c>CUmemPool_attribute</c> reports them. The memory of
/// every block is an ordinary allocation of the context; the context moves blocks in and out.
/// </summary>
internal sealed class EmulatedMemoryPool(bool isDefault, ulong maxBytes)
{
    private readonly Dictionary<ulong, ulong> _inUse = []; // block address → block bytes
    private readonly List<(ulong Address, ulong Bytes)> _kept = [];
    private readonly int[] _reusePolicies = [1, 1, 1]; // the driver's defaults: every reuse allowed

    /// <summary>The context's default pool, which cannot be destroyed.</summary>
    public bool IsDefault { get; } = isDefault;

    /// <summary>Most bytes the pool may hold; 0 is no limit beyond the device's memory.</summary>
    public ulong MaxBytes { get; } = maxBytes;

    /// <summary>Destroyed while blocks were in use: those go back to the device when freed.</summary>
    public bool IsDestroyed { get; private set; }

    public ulong ReleaseThreshold { get; private set; }

    public ulong ReservedBytes { get; private set; }

    public ulong UsedBytes { get; private set; }

    public ulong ReservedHigh { get; private set; }

    public ulong UsedHigh { get; private set; }

    public int InUseCount => _inUse.Count;

    /// <summary>Takes a kept block of at least <paramref name="bytes"/> (the smallest that fits) for a new allocation.</summary>
    public bool TryReuse(ulong bytes, out ulong address)
    {
        var best = -1;
        for (var i = 0; i < _kept.Count; i++)
        {
            if (_kept[i].Bytes >= bytes && (best < 0 || _kept[i].Bytes < _kept[best].Bytes))
            {
                best = i;
            }
        }
        if (best < 0)
        {
            address = 0;
            return false;
        }
        (address, var blockBytes) = _kept[best];
        _kept.RemoveAt(best);
        MarkInUse(address, blockBytes);
        return true;
    }

    /// <summary>True when a new block of <paramref name="bytes"/> stays within <see cref="MaxBytes"/>.</summary>
    public bool HasRoomFor(ulong bytes) => MaxBytes == 0 || (bytes <= MaxBytes && ReservedBytes <= MaxBytes - bytes);

    /// <summary>Counts a block the context just allocated for the pool.</summary>
    public void AddBlock(ulong address, ulong bytes)
    {
        ReservedBytes += bytes;
        ReservedHigh = Math.Max(ReservedHigh, ReservedBytes);
        MarkInUse(address, bytes);
    }

    /// <summary>A freed block: kept for reuse (false when the pool was destroyed: the caller gives it back to the device).</summary>
    public bool Keep(ulong address)
    {
        var bytes = _inUse[address];
        _inUse.Remove(address);
        UsedBytes -= bytes;
        if (IsDestroyed)
        {
            ReservedBytes -= bytes;
            return false;
        }
        _kept.Add((address, bytes));
        return true;
    }

    /// <summary>
    /// Kept blocks to give back to the device until the pool holds at most <paramref name="bytesToKeep"/>
    /// (<c>cuMemPoolTrimTo</c>, and the release threshold at a synchronization); largest first.
    /// </summary>
    public List<ulong> ReleaseDownTo(ulong bytesToKeep)
    {
        var released = new List<ulong>();
        _kept.Sort((a, b) => b.Bytes.CompareTo(a.Bytes));
        while (ReservedBytes > bytesToKeep && _kept.Count > 0)
        {
            var (address, bytes) = _kept[0];
            _kept.RemoveAt(0);
            ReservedBytes -= bytes;
            released.Add(address);
        }
        return released;
    }

    /// <summary>Marks the pool destroyed; returns its kept blocks to give back (blocks in use follow when freed).</summary>
    public List<ulong> Destroy()
    {
        IsDestroyed = true;
        return ReleaseDownTo(0);
    }

    public ulong Get(MemoryPoolAttributeId attribute) => attribute switch
    {
        MemoryPoolAttributeId.ReleaseThreshold => ReleaseThreshold,
        MemoryPoolAttributeId.ReservedMemoryCurrent => ReservedBytes,
        MemoryPoolAttributeId.ReservedMemoryHigh => ReservedHigh,
        MemoryPoolAttributeId.UsedMemoryCurrent => UsedBytes,
        MemoryPoolAttributeId.UsedMemoryHigh => UsedHigh,
        _ => (ulong)_reusePolicies[(int)attribute - 1],
    };

    /// <summary>Sets a known attribute (the caller checked <see cref="MemoryPoolAttributes.CanSet"/>). Resetting a high
    /// watermark starts it again from the current amount, the most held since the reset.</summary>
    public void Set(MemoryPoolAttributeId attribute, ulong value)
    {
        switch (attribute)
        {
            case MemoryPoolAttributeId.ReleaseThreshold:
                ReleaseThreshold = value;
                break;
            case MemoryPoolAttributeId.ReservedMemoryHigh:
                ReservedHigh = ReservedBytes;
                break;
            case MemoryPoolAttributeId.UsedMemoryHigh:
                UsedHigh = UsedBytes;
                break;
            default:
                _reusePolicies[(int)attribute - 1] = (int)value;
                break;
        }
    }

    private void MarkInUse(ulong address, ulong bytes)
    {
        _inUse.Add(address, bytes);
        UsedBytes += bytes;
        UsedHigh = Math.Max(UsedHigh, UsedBytes);
    }
}
