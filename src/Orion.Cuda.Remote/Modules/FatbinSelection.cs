using System.Buffers.Binary;

namespace Orion.Cuda.Remote.Modules;

/// <summary>
/// Keeps, of a fat binary (a module image of one or more <c>0xBA55ED50</c> containers, each a 16-byte header and
/// entries of GPU code for several architectures), only what the server's GPU can run: the machine code (ELF) built
/// for its compute capability or an earlier minor revision of the same major one, and the newest PTX no newer than
/// the GPU, which the driver compiles when no machine code fits. A CUDA library's images carry code for every
/// architecture from Maxwell to Blackwell; the GPU's share is a small part of that, and only that part need cross
/// the network (and the server's module cache). Any image that is not a well-formed fat binary, or where nothing
/// would be dropped, is left as it is: the driver then sees exactly what the program gave.
/// </summary>
/// <remarks>
/// Layout (what the driver and cuobjdump read): the container header is u32 magic, u16 version, u16 header size
/// (16), u64 size of the entries that follow. Each entry starts with u16 kind (1 PTX, 2 ELF), u16, u32 entry header
/// size, u64 payload size padded to 8 bytes, and, at byte 28, u32 architecture (major × 10 + minor); its payload
/// follows its header. Entries are copied byte for byte, compressed or not.
/// </remarks>
public static class FatbinSelection
{
    /// <summary>The container magic.</summary>
    public const uint Magic = 0xBA55ED50;

    private const int ContainerHeaderBytes = 16;
    private const int MinEntryHeaderBytes = 32;
    private const ushort KindPtx = 1;
    private const ushort KindElf = 2;

    /// <summary>
    /// The image with only the entries a GPU of compute capability <paramref name="major"/>.<paramref name="minor"/>
    /// can use, or null when the image is not a well-formed fat binary or nothing would be dropped.
    /// </summary>
    public static byte[]? Select(ReadOnlySpan<byte> image, int major, int minor)
    {
        var device = (major * 10) + minor;
        if (major <= 0 || minor < 0 || !TryListContainers(image, out var containers))
        {
            return null;
        }
        var kept = new List<(int Container, int Offset, int Length)>();
        var total = 0;
        var dropped = false;
        for (var c = 0; c < containers.Count; c++)
        {
            var (start, length) = containers[c];
            var entries = ListEntries(image.Slice(start, length));
            var bestPtx = -1;
            foreach (var entry in entries)
            {
                if (entry.Kind == KindPtx && entry.Architecture <= device)
                {
                    bestPtx = Math.Max(bestPtx, entry.Architecture);
                }
            }
            total += ContainerHeaderBytes;
            foreach (var entry in entries)
            {
                var keep = entry.Kind switch
                {
                    KindElf => entry.Architecture / 10 == major && entry.Architecture % 10 <= minor,
                    KindPtx => entry.Architecture == bestPtx,
                    _ => true, // a kind this reader does not know stays: the driver may need it
                };
                if (keep)
                {
                    kept.Add((c, start + entry.Offset, entry.Length));
                    total += entry.Length;
                }
                else
                {
                    dropped = true;
                }
            }
        }
        if (!dropped)
        {
            return null;
        }
        var result = new byte[total];
        var written = 0;
        for (var c = 0; c < containers.Count; c++)
        {
            var headerAt = written;
            image.Slice(containers[c].Start, ContainerHeaderBytes).CopyTo(result.AsSpan(written));
            written += ContainerHeaderBytes;
            foreach (var (container, offset, length) in kept)
            {
                if (container == c)
                {
                    image.Slice(offset, length).CopyTo(result.AsSpan(written));
                    written += length;
                }
            }
            BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(headerAt + 8), (ulong)(written - headerAt - ContainerHeaderBytes));
        }
        return result;
    }

    /// <summary>The containers of a well-formed image, back to back from its first byte to its last.</summary>
    private static bool TryListContainers(ReadOnlySpan<byte> image, out List<(int Start, int Length)> containers)
    {
        containers = [];
        var at = 0;
        while (at < image.Length)
        {
            if (image.Length - at < ContainerHeaderBytes
                || BinaryPrimitives.ReadUInt32LittleEndian(image[at..]) != Magic
                || BinaryPrimitives.ReadUInt16LittleEndian(image[(at + 6)..]) != ContainerHeaderBytes)
            {
                return false;
            }
            var size = BinaryPrimitives.ReadUInt64LittleEndian(image[(at + 8)..]);
            if (size > (ulong)(image.Length - at - ContainerHeaderBytes))
            {
                return false;
            }
            var length = ContainerHeaderBytes + (int)size;
            if (!EntriesFill(image.Slice(at, length)))
            {
                return false;
            }
            containers.Add((at, length));
            at += length;
        }
        return containers.Count > 0;
    }

    /// <summary>Whether a container's entries tile it exactly, each header at least its fixed part.</summary>
    private static bool EntriesFill(ReadOnlySpan<byte> container)
    {
        var at = ContainerHeaderBytes;
        while (at < container.Length)
        {
            if (container.Length - at < MinEntryHeaderBytes)
            {
                return false;
            }
            var headerBytes = BinaryPrimitives.ReadUInt32LittleEndian(container[(at + 4)..]);
            var payloadBytes = BinaryPrimitives.ReadUInt64LittleEndian(container[(at + 8)..]);
            if (headerBytes < MinEntryHeaderBytes || (ulong)headerBytes + payloadBytes > (ulong)(container.Length - at))
            {
                return false;
            }
            at += (int)(headerBytes + payloadBytes);
        }
        return true;
    }

    private static List<(ushort Kind, int Architecture, int Offset, int Length)> ListEntries(ReadOnlySpan<byte> container)
    {
        var entries = new List<(ushort, int, int, int)>();
        var at = ContainerHeaderBytes;
        while (at < container.Length)
        {
            var kind = BinaryPrimitives.ReadUInt16LittleEndian(container[at..]);
            var length = (int)(BinaryPrimitives.ReadUInt32LittleEndian(container[(at + 4)..]) + BinaryPrimitives.ReadUInt64LittleEndian(container[(at + 8)..]));
            var architecture = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(container[(at + 28)..]), int.MaxValue);
            entries.Add((kind, architecture, at, length));
            at += length;
        }
        return entries;
    }
}
