using System.Buffers.Binary;

namespace Orion.Server.Core.Backend.Cuda;

/// <summary>The kinds of module image <c>cuModuleLoadData</c> accepts.</summary>
internal enum CudaModuleImageKind
{
    Fatbin,
    Elf,
    Ptx,
}

/// <summary>
/// Classifies and bounds-checks a module image before it reaches <c>cuModuleLoadData</c>. The driver
/// takes a bare pointer and trusts the sizes written inside the image, so an image from the network
/// whose headers claim more bytes than were sent would make the driver read past the buffer; this
/// check turns that into <c>CUDA_ERROR_INVALID_IMAGE</c> instead of a server crash.
/// </summary>
internal static class CudaModuleImage
{
    /// <summary>Magic of a fat binary (<c>fatBinaryHeader</c>): u32 magic, u16 version, u16 header size, u64 payload size.</summary>
    public const uint FatbinMagic = 0xBA55ED50;

    private const int FatbinHeaderBytes = 16;
    private const int FatbinEntryHeaderMinBytes = 16;
    private const int ElfHeaderBytes = 64;
    private const uint ElfSectionNoBits = 8;
    private const ushort ElfProgramCountInSection0 = 0xFFFF; // PN_XNUM

    public static bool TryClassify(ReadOnlySpan<byte> image, out CudaModuleImageKind kind, out string error)
    {
        kind = CudaModuleImageKind.Ptx;
        if (image.IsEmpty)
        {
            error = "empty module image";
            return false;
        }

        if (image.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(image) == FatbinMagic)
        {
            kind = CudaModuleImageKind.Fatbin;
            return TryCheckFatbin(image, out error);
        }

        if (image.Length >= 4 && image[0] == 0x7F && image[1] == (byte)'E' && image[2] == (byte)'L' && image[3] == (byte)'F')
        {
            kind = CudaModuleImageKind.Elf;
            return TryCheckElf(image, out error);
        }

        // Anything else is handed over as PTX text: the driver reads it up to a NUL, which the
        // backend always appends, so a malformed text can only fail to compile.
        error = string.Empty;
        return true;
    }

    /// <summary>Bytes the driver will read for PTX: up to the first NUL, if the text has one.</summary>
    public static int PtxLength(ReadOnlySpan<byte> image)
    {
        int nul = image.IndexOf((byte)0);
        return nul < 0 ? image.Length : nul;
    }

    private static bool TryCheckFatbin(ReadOnlySpan<byte> image, out string error)
    {
        if (image.Length < FatbinHeaderBytes)
        {
            error = $"fatbin shorter than its {FatbinHeaderBytes}-byte header";
            return false;
        }

        ushort headerSize = BinaryPrimitives.ReadUInt16LittleEndian(image[6..]);
        ulong payloadSize = BinaryPrimitives.ReadUInt64LittleEndian(image[8..]);
        if (headerSize < FatbinHeaderBytes || headerSize > image.Length || payloadSize > (ulong)(image.Length - headerSize))
        {
            error = $"fatbin header claims {headerSize} + {payloadSize} bytes but the image has {image.Length}";
            return false;
        }

        // Each entry: u16 kind, u16 flags, u32 entry header size, u64 entry payload size, ...
        ulong offset = headerSize;
        ulong end = headerSize + payloadSize;
        int entries = 0;
        while (offset < end)
        {
            if (end - offset < FatbinEntryHeaderMinBytes)
            {
                error = $"fatbin entry {entries} at byte {offset} is cut short";
                return false;
            }

            ReadOnlySpan<byte> entry = image[(int)offset..];
            uint entryHeader = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            ulong entryPayload = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
            if (entryHeader < FatbinEntryHeaderMinBytes || entryHeader > end - offset || entryPayload > end - offset - entryHeader)
            {
                error = $"fatbin entry {entries} at byte {offset} claims {entryHeader} + {entryPayload} bytes past the payload end";
                return false;
            }

            offset += entryHeader + entryPayload;
            entries++;
        }

        if (entries == 0)
        {
            error = "fatbin has no entries";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool TryCheckElf(ReadOnlySpan<byte> image, out string error)
    {
        if (image.Length < ElfHeaderBytes || image[4] != 2 || image[5] != 1)
        {
            error = "ELF image is not a complete 64-bit little-endian header (cubins are ELF64 LE)";
            return false;
        }

        ulong programTable = BinaryPrimitives.ReadUInt64LittleEndian(image[0x20..]);
        ulong sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(image[0x28..]);
        ushort programEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(image[0x36..]);
        ushort programCount = BinaryPrimitives.ReadUInt16LittleEndian(image[0x38..]);
        ushort sectionEntrySize = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3A..]);
        ushort sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(image[0x3C..]);
        ulong length = (ulong)image.Length;

        // Extended numbering (e_shnum 0 with a section table, or e_phnum PN_XNUM) keeps the real
        // counts in section 0, where the checks below would not see them; cubins never use it.
        if ((sectionCount == 0 && sectionTable != 0) || programCount == ElfProgramCountInSection0)
        {
            error = "ELF extended section or program numbering is not accepted (cubins do not use it)";
            return false;
        }

        if (!Within(programTable, (ulong)programEntrySize * programCount, length) ||
            !Within(sectionTable, (ulong)sectionEntrySize * sectionCount, length))
        {
            error = "ELF header tables lie outside the image";
            return false;
        }

        if ((programCount > 0 && programEntrySize < 56) || (sectionCount > 0 && sectionEntrySize < 64))
        {
            error = "ELF table entries are smaller than ELF64 entries";
            return false;
        }

        for (int i = 0; i < programCount; i++)
        {
            ReadOnlySpan<byte> header = image[(int)(programTable + ((ulong)i * programEntrySize))..];
            if (!Within(BinaryPrimitives.ReadUInt64LittleEndian(header[8..]), BinaryPrimitives.ReadUInt64LittleEndian(header[32..]), length))
            {
                error = $"ELF program header {i} points outside the image";
                return false;
            }
        }

        for (int i = 0; i < sectionCount; i++)
        {
            ReadOnlySpan<byte> header = image[(int)(sectionTable + ((ulong)i * sectionEntrySize))..];
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            if (type != ElfSectionNoBits &&
                !Within(BinaryPrimitives.ReadUInt64LittleEndian(header[24..]), BinaryPrimitives.ReadUInt64LittleEndian(header[32..]), length))
            {
                error = $"ELF section {i} points outside the image";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private static bool Within(ulong offset, ulong size, ulong length) => offset <= length && size <= length - offset;
}
