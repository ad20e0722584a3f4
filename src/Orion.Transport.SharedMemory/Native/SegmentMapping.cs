using System.Runtime.InteropServices;

namespace Orion.Transport.SharedMemory.Native;

/// <summary>
/// One reservation of address space holding a connection's segment: the header page, then each
/// ring's data mapped twice in a row (<see cref="SegmentLayout"/>). Released with one munmap.
/// </summary>
/// <remarks>
/// <para>Closing a connection calls <see cref="Detach"/>, not Dispose: the shared pages are replaced
/// by private zero pages at the same addresses, so the segment is freed (once the peer lets go too)
/// while a message the caller still holds, or a racing call, reads zeros instead of faulting. The
/// address space itself is returned when nothing references this handle any more (its finalizer).</para>
/// </remarks>
internal sealed unsafe class SegmentMapping : SafeHandle
{
    private readonly nuint _length;

    private SegmentMapping(nint address, nuint length)
        : base(0, ownsHandle: true)
    {
        SetHandle(address);
        _length = length;
    }

    public override bool IsInvalid => handle == 0;

    public byte* Base => (byte*)handle;

    public int RingCapacity { get; private init; }

    /// <summary>Maps <paramref name="segment"/> (a memfd of <see cref="SegmentLayout.SegmentLength"/> bytes).</summary>
    public static SegmentMapping Map(FileDescriptorHandle segment, int ringCapacity)
    {
        var total = (nuint)(SegmentLayout.PageSize + 4L * ringCapacity);
        var reserved = LinuxMethods.Mmap(0, total, LinuxMethods.PROT_NONE,
            LinuxMethods.MAP_PRIVATE | LinuxMethods.MAP_ANONYMOUS | LinuxMethods.MAP_NORESERVE, -1, 0);
        if (reserved == -1)
        {
            throw NativeCallException.Last("mmap (reserving the segment's address space)");
        }
        var mapping = new SegmentMapping(reserved, total) { RingCapacity = ringCapacity };
        var added = false;
        try
        {
            segment.DangerousAddRef(ref added);
            var fd = segment.Fd;
            MapShared(reserved, SegmentLayout.PageSize, fd, 0);
            for (var ring = 0; ring < 2; ring++)
            {
                var at = reserved + SegmentLayout.PageSize + 2 * ring * (nint)ringCapacity;
                var fileOffset = SegmentLayout.RingDataFileOffset(ring, ringCapacity);
                MapShared(at, (nuint)ringCapacity, fd, fileOffset);
                MapShared(at + ringCapacity, (nuint)ringCapacity, fd, fileOffset);
            }
            return mapping;
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
        finally
        {
            if (added)
            {
                segment.DangerousRelease();
            }
        }
    }

    /// <summary>The first byte of ring <paramref name="ring"/>'s double mapping.</summary>
    public byte* RingData(int ring) => Base + SegmentLayout.PageSize + 2 * ring * (long)RingCapacity;

    public byte* ControlBlock(int ring) => Base + SegmentLayout.ControlBlockOffset + ring * SegmentLayout.ControlBlockSize;

    /// <summary>Drops the shared pages (see the remarks); idempotent, thread-safe enough for a close.</summary>
    public void Detach()
    {
        var added = false;
        try
        {
            DangerousAddRef(ref added);
            _ = LinuxMethods.Mmap(handle, _length, LinuxMethods.PROT_READ | LinuxMethods.PROT_WRITE,
                LinuxMethods.MAP_PRIVATE | LinuxMethods.MAP_ANONYMOUS | LinuxMethods.MAP_FIXED | LinuxMethods.MAP_NORESERVE, -1, 0);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }

    protected override bool ReleaseHandle() => LinuxMethods.Munmap(handle, _length) == 0;

    private static void MapShared(nint at, nuint length, int fd, long offset)
    {
        var mapped = LinuxMethods.Mmap(at, length, LinuxMethods.PROT_READ | LinuxMethods.PROT_WRITE,
            LinuxMethods.MAP_SHARED | LinuxMethods.MAP_FIXED, fd, offset);
        if (mapped != at)
        {
            throw NativeCallException.Last("mmap (mapping the shared segment)");
        }
    }
}
