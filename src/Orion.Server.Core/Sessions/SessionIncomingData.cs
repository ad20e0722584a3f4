using Orion.Cuda.Protocol.Buffers;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// The data of a request: received chunk by chunk as <see cref="BulkLayout"/> cuts it, or, when small
/// (<see cref="ProtocolLimits.MaxInlineDataBytes"/>), taken from the request's own record, where the
/// client put it. In a session with compressed chunks each chunk is preceded by its <see cref="ChunkHeader"/>,
/// checked before anything else is read, and an LZ4 block is decompressed into the destination. One per session, reused:
/// its buffers are allocated once.
/// </summary>
internal sealed class SessionIncomingData(TransportConnection connection, int chunkBytes) : IncomingData, IDisposable
{
    private readonly NativeMemoryManager _window = new();
    private readonly byte[] _inlineData = new byte[ProtocolLimits.MaxInlineDataBytes];
    private readonly byte[] _header = new byte[ChunkHeader.Bytes];
    private bool _inline;
    private bool _compressedChunks;
    private byte[]? _discard;
    private byte[]? _block;

    /// <summary>Every chunk from now on comes with a header and may be compressed (the handshake agreed on it).</summary>
    public void UseCompressedChunks() => _compressedChunks = true;

    /// <summary>Starts a call's data; small data is read from <paramref name="record"/>, which then holds nothing more of it.</summary>
    public void Begin(BulkLayout layout, ref ProtocolReader record)
    {
        _inline = layout.TotalBytes <= ProtocolLimits.MaxInlineDataBytes;
        if (_inline)
        {
            record.ReadSpan((int)layout.TotalBytes).CopyTo(_inlineData);
        }
        Layout = layout;
        Transferred = 0;
    }

    public override int ReceiveNext(nint destination)
    {
        var chunk = NextChunkBytes;
        if (chunk == 0)
        {
            throw new InvalidOperationException("the call's data has all been received");
        }
        if (_inline)
        {
            unsafe
            {
                _inlineData.AsSpan((int)Transferred, chunk).CopyTo(new Span<byte>((void*)destination, chunk));
            }
        }
        else
        {
            ReceiveChunk(destination, chunk);
        }
        Transferred += (ulong)chunk;
        return chunk;
    }

    /// <summary>One chunk from the connection into native memory: straight into it, or through the block buffer when compressed.</summary>
    private unsafe void ReceiveChunk(nint destination, int chunk)
    {
        if (!_compressedChunks)
        {
            _window.Reset(destination, chunk);
            connection.ReceiveBulk(_window.Memory);
            return;
        }
        var header = ReadHeader(chunk);
        if (!header.IsCompressed)
        {
            _window.Reset(destination, chunk);
            connection.ReceiveBulk(_window.Memory);
            return;
        }
        var block = ReceiveBlock(header);
        header.Decompress(block, new Span<byte>((void*)destination, chunk));
    }

    /// <summary>The header of the next chunk, checked against what the chunk must hold before its payload is read.</summary>
    private ChunkHeader ReadHeader(int chunk)
    {
        connection.ReceiveBulk(_header);
        return ChunkHeader.Read(_header, chunk);
    }

    private ReadOnlySpan<byte> ReceiveBlock(ChunkHeader header)
    {
        // StoredBytes < OriginalBytes <= chunkBytes: ChunkHeader.Read checked both.
        _block ??= new byte[chunkBytes];
        connection.ReceiveBulk(_block.AsMemory(0, header.StoredBytes));
        return _block.AsSpan(0, header.StoredBytes);
    }

    /// <summary>Consumes what the handler did not take (a failed call), so the next message is read from the right place.</summary>
    public void DiscardRest()
    {
        for (var chunk = NextChunkBytes; chunk > 0; chunk = NextChunkBytes)
        {
            if (_inline)
            {
                Transferred += (ulong)chunk;
                continue;
            }
            _discard ??= new byte[chunkBytes];
            if (!_compressedChunks)
            {
                connection.ReceiveBulk(_discard.AsMemory(0, chunk));
            }
            else
            {
                var header = ReadHeader(chunk);
                // A dropped chunk is still checked: a bad block ends the session whether or not the call wanted its data.
                var payload = header.IsCompressed ? ReceiveBlock(header) : default;
                if (header.IsCompressed)
                {
                    header.Decompress(payload, _discard.AsSpan(0, chunk));
                }
                else
                {
                    connection.ReceiveBulk(_discard.AsMemory(0, chunk));
                }
            }
            Transferred += (ulong)chunk;
        }
    }

    public void Dispose() => ((IDisposable)_window).Dispose();
}
