using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// A block of memory both ends of a shared-memory connection map: created by one side
/// (<see cref="ISharedMemoryRegions.CreateRegion"/>), opened by the other under its <see cref="Id"/>
/// (<see cref="ISharedMemoryRegions.OpenPeerRegionAsync"/>). What one side writes the other reads,
/// with no copy and no message: the protocol above says when (e.g. "the data for this copy is in
/// region 3 at offset 0"). Both sides' mappings stay valid until each disposes its own, whatever
/// the connection does meanwhile.
/// </summary>
public sealed unsafe class SharedRegion : IDisposable
{
    private readonly RegionMapping _mapping;

    internal SharedRegion(int id, RegionMapping mapping)
    {
        Id = id;
        _mapping = mapping;
    }

    /// <summary>The number the creator gave it; the peer opens it by this number.</summary>
    public int Id { get; }

    public long Length => _mapping.Length;

    /// <summary>The start of this process's mapping (page-aligned), e.g. for registering it with a driver.</summary>
    public nint Address => _mapping.DangerousGetHandle();

    /// <summary>The region as a span; for regions of at most 2 GiB - 1.</summary>
    public Span<byte> AsSpan()
    {
        ObjectDisposedException.ThrowIf(_mapping.IsClosed, this);
        if (Length > int.MaxValue)
        {
            throw new InvalidOperationException($"Region {Id} ({Length} bytes) is larger than one span; use Address.");
        }
        return new Span<byte>((void*)Address, (int)Length);
    }

    public void Dispose() => _mapping.Dispose();

    /// <summary>Maps <paramref name="file"/> (checked by the caller) read-write and shared.</summary>
    internal static RegionMapping Map(FileDescriptorHandle file, long length)
    {
        var added = false;
        try
        {
            file.DangerousAddRef(ref added);
            var address = LinuxMethods.Mmap(0, (nuint)length, LinuxMethods.PROT_READ | LinuxMethods.PROT_WRITE, LinuxMethods.MAP_SHARED, file.Fd, 0);
            if (address == -1)
            {
                throw NativeCallException.Last($"mmap (a shared region of {length} bytes)");
            }
            return new RegionMapping(address, length);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }
}

/// <summary>One mapping of a shared region, unmapped exactly once.</summary>
internal sealed class RegionMapping : System.Runtime.InteropServices.SafeHandle
{
    public RegionMapping(nint address, long length)
        : base(0, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    public long Length { get; }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle() => LinuxMethods.Munmap(handle, (nuint)Length) == 0;
}
