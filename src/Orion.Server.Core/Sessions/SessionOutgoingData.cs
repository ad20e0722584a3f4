using Orion.Cuda.Protocol.Buffers;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// The data that follows a reply, or, when small, travels inside it (<see cref="ProtocolLimits.MaxInlineDataBytes"/>). From <see cref="Announce"/> to the end of the call the session's
/// send lock is held, so that no host-function notification lands between the reply and its data
/// (notifications queue meanwhile and go out once the lock is given back). In a session with compressed chunks each chunk
/// goes through the session's <see cref="ChunkEncoder"/> (its header, then the LZ4 block or the chunk as it is).
/// </summary>
internal sealed class SessionOutgoingData(CallDispatcher dispatcher, TransportConnection connection, SendWatch sendWatch, Lock sendGate, Action sendGateReleased,
    int chunkBytes) : OutgoingData, IDisposable
{
    private readonly NativeMemoryManager _window = new();
    private RequestHeader _header;
    private bool _announced;
    /// <summary>The data is small enough to travel inside the reply: the reply waits for it.</summary>
    private bool _inline;
    private byte[]? _zeros;
    private ChunkEncoder? _encoder;

    /// <summary>Every chunk from now on goes with a header, compressed as <paramref name="mode"/> says (the handshake agreed on it).</summary>
    public void UseCompressedChunks(ChunkCompression mode) => _encoder = new ChunkEncoder(mode, chunkBytes);

    public void Begin(in RequestHeader header, BulkLayout layout)
    {
        _header = header;
        _announced = false;
        Layout = layout;
        Transferred = 0;
    }

    public override void Announce()
    {
        if (_announced)
        {
            throw new InvalidOperationException("the call's data was already announced");
        }
        sendGate.Enter();
        _announced = true;
        _inline = Layout.TotalBytes <= ProtocolLimits.MaxInlineDataBytes && (ulong)NextChunkBytes == Layout.TotalBytes;
        if (!_inline)
        {
            dispatcher.ReplyWithData(_header, CudaStatus.Success, Layout.TotalBytes);
        }
    }

    public override unsafe int SendNext(nint source)
    {
        var chunk = NextChunkBytes;
        if (!_announced || chunk == 0)
        {
            throw new InvalidOperationException(_announced ? "the call's data has all been sent" : "announce the data before sending it");
        }
        if (_inline)
        {
            dispatcher.ReplyWithInlineData(_header, new ReadOnlySpan<byte>((void*)source, chunk));
            Transferred += (ulong)chunk;
            return chunk;
        }
        _window.Reset(source, chunk);
        SendChunk(_window.Memory);
        Transferred += (ulong)chunk;
        return chunk;
    }

    /// <summary>Sends one chunk as the session sends chunks: as it is, or after its header, compressed where the encoder chose to.</summary>
    private void SendChunk(ReadOnlyMemory<byte> chunk)
    {
        if (_encoder is null)
        {
            SendBulkWatched(chunk);
            return;
        }
        var header = _encoder.Encode(chunk.Span, out var block);
        SendBulkWatched(_encoder.HeaderMemory);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        SendBulkWatched(header.IsCompressed ? block : chunk);
        _encoder.Sent(header.PayloadBytes, started);
    }

    public override void Latch(CudaStatus status) => dispatcher.Latch(status);

    /// <summary>Sends one chunk, under the watch that ends the session when its client stops reading.</summary>
    private void SendBulkWatched(ReadOnlyMemory<byte> chunk)
    {
        sendWatch.Begin();
        try
        {
            SyncWait.Wait(connection.SendBulkAsync(chunk));
        }
        finally
        {
            sendWatch.End();
        }
    }

    /// <summary>Ends the call: a failure before the announcement is a reply without data; after it, whatever was not sent goes as zeros, with an error latched.</summary>
    public void End(in RequestHeader header, CudaStatus status)
    {
        if (!_announced)
        {
            dispatcher.ReplyWithData(header, status, 0);
            return;
        }
        try
        {
            if (_inline && Remaining > 0)
            {
                // Nothing has gone out yet: the reply carries the failure, and no data.
                dispatcher.ReplyWithData(header, status == CudaStatus.Success ? CudaStatus.Unknown : status, 0);
                return;
            }
            dispatcher.Latch(status);
            if (Remaining > 0)
            {
                dispatcher.Latch(CudaStatus.Unknown);
                for (var chunk = NextChunkBytes; chunk > 0; chunk = NextChunkBytes)
                {
                    _zeros ??= new byte[chunkBytes];
                    SendChunk(_zeros.AsMemory(0, chunk));
                    Transferred += (ulong)chunk;
                }
            }
        }
        finally
        {
            _announced = false;
            sendGate.Exit();
            sendGateReleased();
        }
    }

    public void Dispose() => ((IDisposable)_window).Dispose();
}
