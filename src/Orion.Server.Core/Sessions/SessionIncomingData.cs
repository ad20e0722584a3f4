using Orion.Cuda.Protocol.Buffers;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;

namespace Orion.Server.Core.Sessions;

/// <summary>The data that follows a request, received chunk by chunk as <see cref="BulkLayout"/> cuts it; one per session, reused.</summary>
internal sealed class SessionIncomingData(TransportConnection connection, int chunkBytes) : IncomingData, IDisposable
{
    private readonly NativeMemoryManager _window = new();
    private byte[]? _discard;

    public void Begin(BulkLayout layout)
    {
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
        _window.Reset(destination, chunk);
        SyncWait.Wait(connection.ReceiveBulkAsync(_window.Memory));
        Transferred += (ulong)chunk;
        return chunk;
    }

    /// <summary>Consumes what the handler did not take (a failed call), so the next message is read from the right place.</summary>
    public void DiscardRest()
    {
        for (var chunk = NextChunkBytes; chunk > 0; chunk = NextChunkBytes)
        {
            _discard ??= new byte[chunkBytes];
            SyncWait.Wait(connection.ReceiveBulkAsync(_discard.AsMemory(0, chunk)));
            Transferred += (ulong)chunk;
        }
    }

    public void Dispose() => ((IDisposable)_window).Dispose();
}
