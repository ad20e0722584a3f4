namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// When compressing a chunk pays under <see cref="ChunkCompression.Auto"/>: per byte, compressing (at the measured
/// compression rate), decompressing (assumed no faster: on zeros LZ4's decoder was measured slower than its encoder,
/// docs/benchmarks/copies.md) and sending the smaller block (at the measured link rate) must take at most half the time
/// of sending the chunk as it is. Compression costs a core on both sides and is not pipelined with the copy, so a
/// marginal gain is not taken: on loopback (a few GB/s) it would need LZ4 at more than four times the link's rate.
/// </summary>
public static class CompressionPolicy
{
    /// <summary>How much faster than sending raw a compressed chunk must be (2: twice).</summary>
    public const double RequiredSpeedup = 2;

    /// <summary>Decompression rate as a multiple of the compression rate.</summary>
    public const double DecompressionSpeedFactor = 1;

    /// <param name="ratio">Stored bytes per original byte of a sample (0..1; 1 or more: does not shrink).</param>
    /// <param name="compressBytesPerSecond">Measured compression rate.</param>
    /// <param name="linkBytesPerSecond">Measured rate of sending chunks.</param>
    public static bool Pays(double ratio, double compressBytesPerSecond, double linkBytesPerSecond)
    {
        if (ratio >= 1 || compressBytesPerSecond <= 0 || linkBytesPerSecond <= 0)
        {
            return false;
        }
        var compressed = (1 / compressBytesPerSecond) + (1 / (compressBytesPerSecond * DecompressionSpeedFactor)) + (ratio / linkBytesPerSecond);
        var raw = 1 / linkBytesPerSecond;
        return compressed * RequiredSpeedup <= raw;
    }
}
