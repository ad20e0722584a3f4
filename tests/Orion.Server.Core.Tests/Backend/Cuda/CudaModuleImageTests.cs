using System.Buffers.Binary;
using System.Text;
using Orion.Server.Core.Backend.Cuda;

namespace Orion.Server.Core.Tests.Backend.Cuda;

/// <summary>
/// Images come from the network and the driver trusts the sizes written inside them, so every
/// header size that would make it read past the buffer must be refused before the call.
/// </summary>
public class CudaModuleImageTests
{
    [Fact]
    public void Well_formed_fatbin_with_two_entries_is_accepted()
    {
        byte[] image = Fatbin((64, 100), (64, 37));

        Assert.True(CudaModuleImage.TryClassify(image, out CudaModuleImageKind kind, out string error), error);
        Assert.Equal(CudaModuleImageKind.Fatbin, kind);
    }

    [Fact]
    public void Fatbin_whose_header_claims_more_than_was_sent_is_refused()
    {
        byte[] image = Fatbin((64, 100));
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(8), (ulong)image.Length); // header + this > length

        Assert.False(CudaModuleImage.TryClassify(image, out CudaModuleImageKind kind, out string error));
        Assert.Equal(CudaModuleImageKind.Fatbin, kind);
        Assert.Contains("claims", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fatbin_cut_short_is_refused()
    {
        byte[] image = Fatbin((64, 100));

        Assert.False(CudaModuleImage.TryClassify(image.AsSpan(0, image.Length - 1), out _, out _));
        Assert.False(CudaModuleImage.TryClassify(image.AsSpan(0, 12), out _, out string error));
        Assert.Contains("header", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fatbin_entry_overrunning_the_payload_is_refused()
    {
        byte[] image = Fatbin((64, 100), (64, 10));
        int second = 16 + 64 + 100;
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(second + 8), 11);

        Assert.False(CudaModuleImage.TryClassify(image, out _, out string error));
        Assert.Contains("entry 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Fatbin_entry_with_a_huge_size_does_not_overflow_the_check()
    {
        byte[] image = Fatbin((64, 100));
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(16 + 8), ulong.MaxValue - 10);

        Assert.False(CudaModuleImage.TryClassify(image, out _, out _));
    }

    [Fact]
    public void Fatbin_without_entries_is_refused()
    {
        Assert.False(CudaModuleImage.TryClassify(Fatbin(), out _, out string error));
        Assert.Contains("no entries", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Elf64_with_tables_inside_the_image_is_accepted()
    {
        byte[] image = Elf(sectionCount: 2, sectionOffset: 100, sectionSize: 50);

        Assert.True(CudaModuleImage.TryClassify(image, out CudaModuleImageKind kind, out string error), error);
        Assert.Equal(CudaModuleImageKind.Elf, kind);
    }

    [Fact]
    public void Elf_section_outside_the_image_is_refused()
    {
        byte[] image = Elf(sectionCount: 2, sectionOffset: 100, sectionSize: 5000);

        Assert.False(CudaModuleImage.TryClassify(image, out _, out string error));
        Assert.Contains("section", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Elf_section_table_outside_the_image_is_refused()
    {
        byte[] image = Elf(sectionCount: 2, sectionOffset: 100, sectionSize: 50);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3C), 1000);

        Assert.False(CudaModuleImage.TryClassify(image, out _, out string error));
        Assert.Contains("tables", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x3C, 0)] // e_shnum 0 with a section table: the count would be in section 0
    [InlineData(0x38, 0xFFFF)] // e_phnum PN_XNUM: likewise
    public void Elf_extended_numbering_is_refused(int field, int value)
    {
        // Section 0 claims a huge count: what the driver would read if the image were let through.
        byte[] image = Elf(sectionCount: 2, sectionOffset: 100, sectionSize: 50);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(256 + 32), 1_000_000);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(field), (ushort)value);

        Assert.False(CudaModuleImage.TryClassify(image, out _, out string error));
        Assert.Contains("extended", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Elf32_is_refused()
    {
        byte[] image = Elf(sectionCount: 0, sectionOffset: 0, sectionSize: 0);
        image[4] = 1; // ELFCLASS32

        Assert.False(CudaModuleImage.TryClassify(image, out _, out _));
    }

    [Fact]
    public void A_real_ELF64_file_passes_and_a_truncated_copy_does_not()
    {
        // The test host's own executable: a real linker-made ELF64 with program and section
        // headers, the same container format as a cubin.
        byte[] image = File.ReadAllBytes("/proc/self/exe");

        Assert.True(CudaModuleImage.TryClassify(image, out CudaModuleImageKind kind, out string error), error);
        Assert.Equal(CudaModuleImageKind.Elf, kind);
        Assert.False(CudaModuleImage.TryClassify(image.AsSpan(0, image.Length / 2), out _, out _));
    }

    [Fact]
    public void Text_is_taken_as_PTX_up_to_the_first_NUL()
    {
        byte[] ptx = Encoding.ASCII.GetBytes(".version 7.0\n.target sm_75\0garbage");

        Assert.True(CudaModuleImage.TryClassify(ptx, out CudaModuleImageKind kind, out _));
        Assert.Equal(CudaModuleImageKind.Ptx, kind);
        Assert.Equal(".version 7.0\n.target sm_75".Length, CudaModuleImage.PtxLength(ptx));
        Assert.Equal(5, CudaModuleImage.PtxLength("hello"u8));
    }

    [Fact]
    public void Empty_image_is_refused()
    {
        Assert.False(CudaModuleImage.TryClassify([], out _, out string error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    /// <summary>A fatbin: 16-byte header, then entries of (entry header size, payload size).</summary>
    private static byte[] Fatbin(params (int Header, int Payload)[] entries)
    {
        int payload = entries.Sum(e => e.Header + e.Payload);
        byte[] image = new byte[16 + payload];
        BinaryPrimitives.WriteUInt32LittleEndian(image, CudaModuleImage.FatbinMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(4), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(6), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(8), (ulong)payload);
        int offset = 16;
        foreach ((int header, int size) in entries)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(offset), 2); // kind: ELF
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(offset + 4), (uint)header);
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(offset + 8), (ulong)size);
            offset += header + size;
        }

        return image;
    }

    /// <summary>A minimal ELF64 LE: header, section table at 256, every section at the given place.</summary>
    private static byte[] Elf(int sectionCount, int sectionOffset, int sectionSize)
    {
        const int Table = 256;
        byte[] image = new byte[Table + (sectionCount * 64) + 64];
        image[0] = 0x7F;
        image[1] = (byte)'E';
        image[2] = (byte)'L';
        image[3] = (byte)'F';
        image[4] = 2; // ELFCLASS64
        image[5] = 1; // little-endian
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x28), Table);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3A), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x3C), (ushort)sectionCount);
        for (int i = 0; i < sectionCount; i++)
        {
            Span<byte> header = image.AsSpan(Table + (i * 64));
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 1); // PROGBITS
            BinaryPrimitives.WriteUInt64LittleEndian(header[24..], (ulong)sectionOffset);
            BinaryPrimitives.WriteUInt64LittleEndian(header[32..], (ulong)sectionSize);
        }

        return image;
    }
}
