using Orion.Cuda.Protocol.Wire;

namespace Orion.Cuda.Remote.Tests;

/// <summary>The pieces of compressed chunks on their own: the header's checks, the auto policy's arithmetic, the encoder's choices.</summary>
public sealed class ChunkEncodingTests
{
    [Theory]
    [InlineData(1000, 0, true)]
    [InlineData(1000, 999, true)]
    [InlineData(1000, 1000, false)] // a block must be smaller than its chunk
    [InlineData(1000, 5000, false)]
    [InlineData(999, 0, false)] // the header must name the chunk's own length
    [InlineData(1001, 10, false)]
    public void A_header_is_accepted_only_for_its_own_chunk_and_a_smaller_block(int original, int stored, bool accepted)
    {
        var bytes = new byte[ChunkHeader.Bytes];
        new ChunkHeader(original, stored).Write(bytes);
        if (accepted)
        {
            Assert.Equal(new ChunkHeader(original, stored), ChunkHeader.Read(bytes, 1000));
        }
        else
        {
            Assert.StartsWith("malformed chunk header", Assert.Throws<ProtocolException>(() => ChunkHeader.Read(bytes, 1000)).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_block_that_decodes_to_anything_but_its_chunk_is_refused()
    {
        var encoder = new ChunkEncoder(ChunkCompression.On, 4096);
        var header = encoder.Encode(new byte[4096], out var block);
        Assert.True(header.IsCompressed);
        var chunk = new byte[4096];
        header.Decompress(block.Span, chunk);
        // The same block claimed for a longer chunk decodes short; a truncated block does not decode.
        Assert.Throws<ProtocolException>(() => new ChunkHeader(8192, block.Length).Decompress(block.Span, new byte[8192]));
        Assert.Throws<ProtocolException>(() => new ChunkHeader(4096, block.Length - 1).Decompress(block.Span, chunk));
    }

    [Theory]
    // ratio, compression MB/s, link MB/s, pays
    [InlineData(0.01, 10_000, 100, true)] // compressible data on a 1 Gb/s link
    [InlineData(0.15, 800, 120, true)] // sparse data that shrinks to 15% on a 1 Gb/s link
    [InlineData(0.3, 800, 120, false)] // shrinks to 30%: faster, but not twice as fast
    [InlineData(0.9, 800, 120, false)] // barely shrinks
    [InlineData(0.3, 800, 4000, false)] // loopback: the link outruns the compressor
    [InlineData(0.004, 10_700, 4000, false)] // even zeros at this machine's LZ4 rate: compressing must at least double the rate
    [InlineData(0.004, 10_700, 1250, true)] // zeros on a 10 Gb/s link
    [InlineData(1.0, 10_000, 10, false)] // does not shrink at all
    public void Auto_compresses_only_where_it_at_least_doubles_the_rate(double ratio, double compressMBps, double linkMBps, bool pays) =>
        Assert.Equal(pays, CompressionPolicy.Pays(ratio, compressMBps * 1e6, linkMBps * 1e6));

    [Fact]
    public void Auto_sends_the_first_chunk_as_it_is_to_measure_the_link()
    {
        var encoder = new ChunkEncoder(ChunkCompression.Auto, 1 << 20);
        Assert.False(encoder.Encode(new byte[1 << 20], out _).IsCompressed);
        Assert.Equal((0L, 1L), (encoder.CompressedChunks, encoder.RawChunks));
    }

    [Fact]
    public void On_keeps_a_chunk_that_does_not_shrink_as_it_is()
    {
        var encoder = new ChunkEncoder(ChunkCompression.On, 1 << 16);
        var random = new byte[1 << 16];
        new Random(1).NextBytes(random);
        var header = encoder.Encode(random, out var block);
        Assert.False(header.IsCompressed);
        Assert.True(block.IsEmpty);
        Assert.True(encoder.Encode(new byte[1 << 16], out _).IsCompressed);
    }
}
