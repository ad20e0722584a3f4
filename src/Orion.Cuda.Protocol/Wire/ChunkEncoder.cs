using System.Diagnostics;
using K4os.Compression.LZ4;

namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// The sending side of a session's compressed chunks (<see cref="ProtocolFeatures.CompressedChunks"/>): decides per chunk
/// whether to compress it, compresses it into a buffer of its own (allocated once, reused for every chunk) and writes the
/// <see cref="ChunkHeader"/>. Under <see cref="ChunkCompression.Auto"/> it measures the link (every chunk sent through
/// <see cref="Sent"/>) and the compression rate and ratio (a sample of every <see cref="SampleInterval"/>th chunk) and asks
/// <see cref="CompressionPolicy"/>. One sender at a time.
/// </summary>
public sealed class ChunkEncoder
{
    /// <summary>A sample is taken of the first chunk and then of every this many chunks (data changes from copy to copy).</summary>
    public const int SampleInterval = 16;

    /// <summary>Bytes of a chunk compressed to sample it: <see cref="SampleSlices"/> slices spread over the chunk.</summary>
    public const int SampleBytes = 64 * 1024;

    private const int SampleSlices = 4;

    /// <summary>Sends shorter than this say little about the link (per-message costs dominate), so they are not measured.</summary>
    private const int MinMeasuredSendBytes = 64 * 1024;

    private readonly ChunkCompression _mode;
    private readonly byte[] _block;
    private readonly byte[] _header = new byte[ChunkHeader.Bytes];
    private double _linkBytesPerSecond;
    private double _compressBytesPerSecond;
    private double _ratio = 1;
    private int _chunksSinceSample = SampleInterval;

    public ChunkEncoder(ChunkCompression mode, int chunkBytes)
    {
        if (mode == ChunkCompression.Off)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), "a session without compressed chunks sends no chunk headers");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        _mode = mode;
        _block = new byte[LZ4Codec.MaximumOutputSize(chunkBytes)];
    }

    /// <summary>Chunks sent compressed and as they are, for tests and the benchmarks.</summary>
    public long CompressedChunks { get; private set; }

    /// <inheritdoc cref="CompressedChunks"/>
    public long RawChunks { get; private set; }

    /// <summary>
    /// Encodes <paramref name="chunk"/>: returns its header (<see cref="HeaderMemory"/> holds it on the wire) and, when it is
    /// compressed, the block in <paramref name="block"/> (empty when the chunk goes as it is). Both stay valid until the next call.
    /// </summary>
    public ChunkHeader Encode(ReadOnlySpan<byte> chunk, out ReadOnlyMemory<byte> block)
    {
        block = ReadOnlyMemory<byte>.Empty;
        var header = new ChunkHeader(chunk.Length, 0);
        if (_mode == ChunkCompression.On || ShouldCompress(chunk))
        {
            var started = Stopwatch.GetTimestamp();
            var stored = LZ4Codec.Encode(chunk, _block);
            ObserveCompression(chunk.Length, stored, started);
            if (stored > 0 && stored < chunk.Length)
            {
                header = new ChunkHeader(chunk.Length, stored);
                block = _block.AsMemory(0, stored);
            }
        }
        if (header.IsCompressed)
        {
            CompressedChunks++;
        }
        else
        {
            RawChunks++;
        }
        header.Write(_header);
        return header;
    }

    /// <summary>The header <see cref="Encode"/> wrote, as the bulk transfer that precedes the chunk.</summary>
    public ReadOnlyMemory<byte> HeaderMemory => _header;

    /// <summary>Tells the encoder that <paramref name="wireBytes"/> went out, the send having begun at <paramref name="startedTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public void Sent(int wireBytes, long startedTimestamp)
    {
        if (_mode != ChunkCompression.Auto || wireBytes < MinMeasuredSendBytes)
        {
            return;
        }
        _linkBytesPerSecond = Average(_linkBytesPerSecond, Rate(wireBytes, startedTimestamp));
    }

    private bool ShouldCompress(ReadOnlySpan<byte> chunk)
    {
        if (_linkBytesPerSecond <= 0 || chunk.Length < MinMeasuredSendBytes)
        {
            return false; // the link is measured first, on a chunk sent as it is
        }
        if (++_chunksSinceSample >= SampleInterval || _compressBytesPerSecond <= 0)
        {
            Sample(chunk);
        }
        return CompressionPolicy.Pays(_ratio, _compressBytesPerSecond, _linkBytesPerSecond);
    }

    /// <summary>Compresses slices spread over the chunk (a tensor's start may not be like its middle) to estimate rate and ratio.</summary>
    private void Sample(ReadOnlySpan<byte> chunk)
    {
        _chunksSinceSample = 0;
        var slice = Math.Min(SampleBytes / SampleSlices, chunk.Length / SampleSlices);
        var stride = chunk.Length / SampleSlices;
        var started = Stopwatch.GetTimestamp();
        var stored = 0;
        for (var i = 0; i < SampleSlices; i++)
        {
            var written = LZ4Codec.Encode(chunk.Slice(i * stride, slice), _block);
            stored += written > 0 ? written : slice;
        }
        ObserveCompression(slice * SampleSlices, stored, started);
    }

    private void ObserveCompression(int original, int stored, long started)
    {
        _ratio = stored > 0 ? (double)stored / original : 1;
        _compressBytesPerSecond = Average(_compressBytesPerSecond, Rate(original, started));
    }

    private static double Rate(int bytes, long started)
    {
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return bytes / Math.Max(seconds, 1e-7);
    }

    /// <summary>A moving average that follows changes within a few chunks.</summary>
    private static double Average(double average, double sample) => average <= 0 ? sample : (average * 0.75) + (sample * 0.25);
}
