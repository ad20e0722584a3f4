using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>A client end that writes unframed bytes into its ring (see <see cref="SharedMemoryTransport.ConnectRaw"/>).</summary>
internal sealed class RawSharedMemoryClient : IDisposable
{
    private readonly FileDescriptorHandle _socket;
    private readonly SegmentMapping _mapping;
    private readonly RingProducer _ring;

    public RawSharedMemoryClient(FileDescriptorHandle socket, SegmentMapping mapping)
    {
        _socket = socket;
        _mapping = mapping;
        _ring = new RingProducer(mapping, 0, Wake);
    }

    /// <summary>Writes what fits of <paramref name="bytes"/> and publishes it; returns how much.</summary>
    public int Write(ReadOnlySpan<byte> bytes)
    {
        var written = _ring.CopyIn(bytes);
        _ring.Publish();
        return written;
    }

    /// <summary>Writes raw words over the ring's control block (tests of a peer that corrupts the positions).</summary>
    public unsafe void CorruptWritePosition(long value)
    {
        *(long*)(_mapping.ControlBlock(0) + SegmentLayout.WriteIndexOffset) = value;
        Wake();
    }

    public void Dispose()
    {
        _ = LinuxMethods.Shutdown(_socket.Fd, LinuxMethods.SHUT_RDWR);
        _socket.Dispose();
        _mapping.Dispose();
    }

    private void Wake()
    {
        if (!_socket.IsClosed)
        {
            _ = UnixSocket.TrySendByte(_socket.Fd, PeerLink.WakeRecord);
        }
    }
}
