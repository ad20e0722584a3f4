using Orion.Cuda.Protocol.Buffers;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// The data of a request: received chunk by chunk as <see cref="BulkLayout"/> cuts it, or, when small
/// (<see cref="ProtocolLimits.MaxInlineDataBytes"/>), taken from the request's own record, where the
/// client put it. One per session, reused.
/// </summary>
internal sealed class SessionIncomingData(TransportConnection connection, int chunkBytes) : IncomingData, IDisposable
{
    private readonly NativeMemoryManager _window = new();
    private readonly byte[] _inlineData = new byte[ProtocolLimits.MaxInlineDataBytes];
    private bool _inline;
    private byte[]? _discard;

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
            _window.Reset(destination, chunk);
            connection.ReceiveBulk(_window.Memory);
        }
        Transferred += (ulong)chunk;
        return chunk;
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
            connection.ReceiveBulk(_discard.AsMemory(0, chunk));
            Transferred += (ulong)chunk;
        }
    }

    public void Dispose() => ((IDisposable)_window).Dispose();
}
