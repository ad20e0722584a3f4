using BenchmarkDotNet.Attributes;
using K4os.Compression.LZ4;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Copies.Benchmarks;

/// <summary>LZ4 on one 4 MiB chunk of each kind of data, as <see cref="ChunkEncoder"/> and <see cref="ChunkHeader"/> do it.</summary>
[MemoryDiagnoser]
public class Lz4Benchmarks
{
    public const int ChunkBytes = ProtocolLimits.DefaultChunkBytes;

    private byte[] _chunk = [];
    private byte[] _block = [];
    private byte[] _decoded = [];
    private int _stored;
    private ChunkEncoder _encoder = null!;

    [Params(DataKind.Zeros, DataKind.Random, DataKind.Float32Normal, DataKind.Bf16Normal)]
    public DataKind Data { get; set; }

    /// <summary>For the throughput column: the bytes of one operation.</summary>
    public int Bytes => ChunkBytes;

    [GlobalSetup]
    public void Setup()
    {
        _chunk = TestData.Make(Data, ChunkBytes);
        _block = new byte[LZ4Codec.MaximumOutputSize(ChunkBytes)];
        _decoded = new byte[ChunkBytes];
        _stored = LZ4Codec.Encode(_chunk, _block);
        _encoder = new ChunkEncoder(ChunkCompression.On, ChunkBytes);
    }

    [Benchmark(Description = "compress 4 MiB")]
    public int Compress() => _encoder.Encode(_chunk, out _).PayloadBytes;

    [Benchmark(Description = "decompress 4 MiB")]
    public int Decompress() => LZ4Codec.Decode(_block.AsSpan(0, _stored), _decoded);
}
