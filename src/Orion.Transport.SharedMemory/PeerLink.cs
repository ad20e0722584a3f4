using System.Buffers.Binary;
using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// The connection's Unix socket once the segment is set up: it carries the wake-ups for asynchronous
/// waiters (one-byte records), the descriptors of additional shared regions (16-byte records with
/// SCM_RIGHTS), and, above all, the peer's liveness: the kernel ends the socket when the peer's
/// process closes it or dies, and the thread that reads it (blocked in recvmsg, no CPU while idle)
/// reports that at once, so nobody waits on a ring the peer will never touch again.
/// </summary>
internal sealed class PeerLink : IDisposable
{
    public const byte WakeRecord = 1;
    public const byte RegionRecord = 2;
    public const int RegionRecordLength = 16;

    private readonly FileDescriptorHandle _socket;
    private IPeerLinkEvents _events = null!;
    private readonly Thread _reader;
    private int _peerGone;
    private int _stopped;

    public PeerLink(FileDescriptorHandle socket, string name)
    {
        _socket = socket;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = name };
    }

    /// <summary>The peer's end of the socket is closed: nothing it did not publish yet will come.</summary>
    public bool PeerGone => Volatile.Read(ref _peerGone) == 1;

    /// <summary>Starts the reading thread, which reports to <paramref name="events"/> from then on.</summary>
    public void Start(IPeerLinkEvents events)
    {
        _events = events;
        _reader.Start();
    }

    /// <summary>Wakes the peer's asynchronous waiter. Without waiting: a full socket holds wake-ups already.</summary>
    public void SendWake()
    {
        var added = false;
        try
        {
            _socket.DangerousAddRef(ref added);
            _ = UnixSocket.TrySendByte(_socket.Fd, WakeRecord);
        }
        catch (ObjectDisposedException)
        {
            // Closed: the peer learns of that instead.
        }
        finally
        {
            if (added)
            {
                _socket.DangerousRelease();
            }
        }
    }

    public void SendRegion(int id, long length, FileDescriptorHandle region)
    {
        Span<byte> record = stackalloc byte[RegionRecordLength];
        record.Clear();
        record[0] = RegionRecord;
        BinaryPrimitives.WriteInt32LittleEndian(record[4..], id);
        BinaryPrimitives.WriteInt64LittleEndian(record[8..], length);
        UnixSocket.SendRecord(_socket, record, region);
    }

    /// <summary>Ends this side's output: the peer reads what was published, then sees the end.</summary>
    public void ShutdownOutput() => Shutdown(LinuxMethods.SHUT_WR);

    /// <summary>Ends both directions: the peer sees the end at once, and the reading thread here ends too.</summary>
    public void ShutdownBoth() => Shutdown(LinuxMethods.SHUT_RDWR);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            ShutdownBoth();
            _socket.Dispose(); // closed once the reading thread lets go of it
        }
    }

    private void Shutdown(int how)
    {
        var added = false;
        try
        {
            _socket.DangerousAddRef(ref added);
            _ = LinuxMethods.Shutdown(_socket.Fd, how);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added)
            {
                _socket.DangerousRelease();
            }
        }
    }

    private void ReadLoop()
    {
        var added = false;
        try
        {
            _socket.DangerousAddRef(ref added);
            Span<byte> record = stackalloc byte[64];
            while (true)
            {
                int length;
                FileDescriptorHandle? descriptor;
                try
                {
                    length = UnixSocket.ReceiveRecord(_socket, record, out descriptor);
                }
                catch (NativeCallException exception)
                {
                    if (exception.Errno == 0)
                    {
                        _events.OnPeerViolation(exception.Message);
                    }
                    return; // a reset (the peer died) ends the link as end of stream does
                }
                if (length == 0)
                {
                    return;
                }
                if (length == 1 && record[0] == WakeRecord && descriptor is null)
                {
                    _events.OnWake();
                }
                else if (length == RegionRecordLength && record[0] == RegionRecord && descriptor is not null)
                {
                    _events.OnRegion(BinaryPrimitives.ReadInt32LittleEndian(record[4..]), BinaryPrimitives.ReadInt64LittleEndian(record[8..]), descriptor);
                }
                else
                {
                    descriptor?.Dispose();
                    _events.OnPeerViolation($"The peer sent an unknown record on the connection's socket ({length} bytes, kind {record[0]}).");
                    return;
                }
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Volatile.Write(ref _peerGone, 1);
            if (added)
            {
                _socket.DangerousRelease();
            }
            _events.OnPeerGone();
        }
    }
}

/// <summary>What the <see cref="PeerLink"/>'s reading thread reports; called on that thread, must not block.</summary>
internal interface IPeerLinkEvents
{
    void OnWake();

    void OnRegion(int id, long length, FileDescriptorHandle region);

    void OnPeerViolation(string message);

    void OnPeerGone();
}
