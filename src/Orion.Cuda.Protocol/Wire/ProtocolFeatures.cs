namespace Orion.Cuda.Protocol.Wire;

/// <summary>Optional protocol features; the session uses the intersection of what both sides offer.</summary>
[Flags]
public enum ProtocolFeatures : uint
{
    None = 0,
    /// <summary>Host-function markers (<c>cudaLaunchHostFunc</c>) are reported back.</summary>
    HostFunctions = 1,
    /// <summary>What the GPU's kernels print (device <c>printf</c>, <c>assert</c> messages) comes back to the client (<see cref="ReplyKind.DeviceOutput"/>).</summary>
    DeviceOutput = 2,
    /// <summary>The server keeps module images by content: a client may ask for one by its SHA-256 before sending it (<c>LoadCachedModule</c>).</summary>
    ModuleCache = 4,
    /// <summary>Every bulk chunk is preceded by a <see cref="ChunkHeader"/> and may travel LZ4-compressed (since version 5).
    /// The client offers it when its <see cref="ChunkCompression"/> is on or auto; the server when its operator allows compression.</summary>
    CompressedChunks = 8,
    /// <summary>With <see cref="CompressedChunks"/>: the client asked for <see cref="ChunkCompression.On"/>, so both sides compress
    /// every chunk (a chunk that does not shrink still travels as it is); without it each sender decides per chunk (auto).</summary>
    CompressEveryChunk = 16,
}
