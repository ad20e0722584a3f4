namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// One emulated device's shared state: its memory budget and the address space its contexts carve
/// allocations from (addresses are unique across contexts, as with unified addressing).
/// </summary>
internal sealed class EmulatedDevice(int ordinal, ulong memoryBytes)
{
    private const ulong AddressSpaceBase = 0x7000_0000_0000UL;
    private const ulong AddressSpacePerDevice = 0x0100_0000_0000UL;
    /// <summary>
    /// Every allocation starts on a page, as a GPU's larger allocations do: the driver front end reserves a
    /// device address in the client process only where a page starts (src/driver_address_space.c), and CI
    /// checks that reservation for every allocation, pool blocks included.
    /// </summary>
    private const ulong AllocationAlignment = 4096;
    private readonly Lock _gate = new();
    private ulong _nextAddress = AddressSpaceBase + ((ulong)ordinal * AddressSpacePerDevice);
    private ulong _usedBytes;

    public int Ordinal { get; } = ordinal;

    /// <summary><see cref="EmulatedDeviceOptions.Observer"/>.</summary>
    public Action<EmulatedOperation>? Observer { get; init; }

    public ulong TotalBytes { get; } = memoryBytes;

    public ulong UsedBytes
    {
        get
        {
            lock (_gate)
            {
                return _usedBytes;
            }
        }
    }

    /// <summary>Reserves <paramref name="bytes"/> of the budget and an address range; false when it does not fit.</summary>
    public bool TryReserve(ulong bytes, out ulong address)
    {
        lock (_gate)
        {
            if (bytes > TotalBytes - _usedBytes)
            {
                address = 0;
                return false;
            }
            _usedBytes += bytes;
            address = _nextAddress;
            // Leave a guard gap after every allocation so that an overrun never lands in a neighbour.
            _nextAddress += (bytes + AllocationAlignment - 1) / AllocationAlignment * AllocationAlignment + AllocationAlignment;
            return true;
        }
    }

    /// <summary>Charges <paramref name="bytes"/> to the budget without giving addresses (a physical allocation of the virtual memory API).</summary>
    public bool TryCharge(ulong bytes)
    {
        lock (_gate)
        {
            if (bytes > TotalBytes - _usedBytes)
            {
                return false;
            }
            _usedBytes += bytes;
            return true;
        }
    }

    /// <summary>
    /// A range of <paramref name="bytes"/> addresses on <paramref name="alignment"/> (a power of two) that costs no
    /// memory (an address reservation); false when the device's part of the address space has no room left.
    /// </summary>
    public bool TryReserveAddresses(ulong bytes, ulong alignment, out ulong address)
    {
        lock (_gate)
        {
            address = 0;
            var end = AddressSpaceBase + (((ulong)Ordinal + 1) * AddressSpacePerDevice);
            var start = (_nextAddress + alignment - 1) & ~(alignment - 1);
            if (start >= end || bytes > end - start)
            {
                return false;
            }
            address = start;
            _nextAddress = start + bytes + AllocationAlignment; // a guard gap, as after every allocation
            return true;
        }
    }

    public void Release(ulong bytes)
    {
        lock (_gate)
        {
            _usedBytes -= bytes;
        }
    }
}
