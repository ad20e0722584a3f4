namespace Orion.Cuda.Protocol.Wire;

/// <summary>Whether a session's bulk chunks travel LZ4-compressed (the client's choice; the server may refuse it).</summary>
public enum ChunkCompression
{
    /// <summary>Chunks travel as they are, with no header (the wire of a session without <see cref="ProtocolFeatures.CompressedChunks"/>).</summary>
    Off = 0,

    /// <summary>Every chunk is compressed; one that does not shrink travels as it is.</summary>
    On = 1,

    /// <summary>Each sender compresses a chunk only when a sample of it compresses well and the link is slow enough for
    /// compressing to pay (<see cref="CompressionPolicy"/>): on a fast link such as loopback it stays off.</summary>
    Auto = 2,
}
