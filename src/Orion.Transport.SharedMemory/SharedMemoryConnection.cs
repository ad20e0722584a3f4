using System.Runtime.CompilerServices;
using Orion.Transport.SharedMemory.Native;
using Orion.Transport.Streams;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// A framed connection over two shared-memory rings (<see cref="SegmentLayout"/>), one per direction,
/// with the Orion stream framing on each: the framing, limits, error model, idle timeout, keepalives
/// and graceful close are <see cref="StreamTransportConnection"/>'s, as for TCP. A message is copied
/// once into the ring by the sender and handed to the receiver in place; a bulk payload or a message
/// larger than the ring streams through it in pieces, copied once in and once out (straight into
/// the receiver's buffer), with no allocation per piece.
/// </summary>
/// <remarks>
/// Waiting: see <see cref="RingInputReader"/> for the receiver. A sender that finds the ring full
/// spins for <see cref="TransportOptions.ReceiveSpinTime"/> (the reader is usually draining it),
/// then waits for a wake-up on the socket. The socket (<see cref="PeerLink"/>) also reports the peer
/// leaving, which ends every wait: what the peer published is still read, then end of stream
/// (a reset, unless a close frame came first).
/// </remarks>
internal sealed class SharedMemoryConnection : StreamTransportConnection, IPeerLinkEvents, ISharedMemoryRegions
{
    private readonly SegmentMapping _mapping;
    private readonly PeerLink _link;
    private readonly RingInputReader _input;
    private readonly RingProducer _output;
    private readonly SocketWakeSignal _room = new();
    private readonly PeerRegionTable _peerRegions;
    private readonly SharedMemoryTransportSettings _settings;
    private readonly long _spinTicks;
    private int _nextRegionId;

    private SharedMemoryConnection(PeerLink link, SegmentMapping mapping, RingInputReader input, int outputRing,
        TransportOptions options, SharedMemoryTransportSettings settings, TransportEndpoint local, TransportEndpoint remote)
        : base(input, options, local, remote)
    {
        _link = link;
        _mapping = mapping;
        _input = input;
        _settings = settings;
        _output = new RingProducer(mapping, outputRing, link.SendWake);
        _peerRegions = new PeerRegionTable(settings.MaxRegionLength, settings.MaxPendingRegions);
        _spinTicks = BoundedSpin.Ticks(options.ReceiveSpinTime);
        input.SpinTicks = _spinTicks;
        input.ReadsMayBlock = () => ReceiveMayBlock;
        link.Start(this);
        StartTimer();
    }

    /// <summary>A connection over <paramref name="socket"/> (handshake done) and the mapped segment. The
    /// client writes ring 0 and reads ring 1; the server the other way round.</summary>
    public static SharedMemoryConnection Create(FileDescriptorHandle socket, SegmentMapping mapping, bool isClient,
        TransportOptions options, SharedMemoryTransportSettings settings, TransportEndpoint local, TransportEndpoint remote)
    {
        var link = new PeerLink(socket, isClient ? "Orion shm client link" : "Orion shm server link");
        var inputRing = isClient ? 1 : 0;
        var input = new RingInputReader(new RingConsumer(mapping, inputRing, link.SendWake), () => link.PeerGone);
        return new SharedMemoryConnection(link, mapping, input, 1 - inputRing, options, settings, local, remote);
    }

    /// <summary>The ring's size (each direction), for tests and logs.</summary>
    internal int RingCapacity => _mapping.RingCapacity;

    protected override bool ReadsCanBlock => true;

    protected override bool CanReadDirect => true;

    /// <summary>A frame that fits the ring is read in place; a larger one streams through it into one buffer.</summary>
    protected override int InputBufferSize => _mapping.RingCapacity;

    /// <summary>A waiting read resumes on a thread-pool thread already (<see cref="SocketWakeSignal"/>).</summary>
    protected override bool InputCompletesInline => true;

    protected override ValueTask<int> ReadDirectAsync(Memory<byte> destination, CancellationToken cancellationToken)
        => _input.ReadDirectAsync(destination, cancellationToken);

    protected override ValueTask WriteFrameAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        // Not ThrowIfCannotWrite: a graceful close writes its close frame after the connection has
        // recorded its end; only a peer that left makes writing pointless here.
        ThrowIfPeerGone();
        if (_output.Free >= header.Length + payload.Length)
        {
            _output.CopyIn(header.Span);
            _output.CopyIn(payload.Span);
            _output.Publish();
            return ValueTask.CompletedTask;
        }
        return WriteInPiecesAsync(header, payload, cancellationToken);
    }

    /// <summary>A frame larger than the room left: in pieces, each published as soon as it is in, so the
    /// reader drains the ring while the rest is written.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteInPiecesAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        while (true)
        {
            ThrowIfCannotWrite();
            header = header[_output.CopyIn(header.Span)..];
            if (header.IsEmpty)
            {
                payload = payload[_output.CopyIn(payload.Span)..];
            }
            _output.Publish();
            if (header.IsEmpty && payload.IsEmpty)
            {
                return;
            }
            if (!BoundedSpin.Until(static connection => connection.CanWriteOrFailed(), this, _spinTicks))
            {
                var wait = _room.WaitAsync(cancellationToken);
                if (_output.ArmSocketWait() || !CanWriteOrFailedIgnoringRoom())
                {
                    _room.Signal();
                }
                await wait.ConfigureAwait(false);
            }
        }
    }

    private bool CanWriteOrFailed() => _output.Free > 0 || !CanWriteOrFailedIgnoringRoom();

    /// <summary>False once writing is pointless (this side failed, the peer left).</summary>
    private bool CanWriteOrFailedIgnoringRoom() => !HasFailed && !_link.PeerGone;

    private void ThrowIfCannotWrite()
    {
        if (HasFailed)
        {
            throw new TransportException(TransportError.ConnectionAborted, "The connection has failed.");
        }
        ThrowIfPeerGone();
    }

    private void ThrowIfPeerGone()
    {
        if (_link.PeerGone)
        {
            throw new TransportException(TransportError.ConnectionReset, "The peer closed the connection's socket (it exited, aborted or stopped reading).");
        }
    }

    protected override void OnFailed(TransportError reason)
    {
        _room.Signal();
        _input.OnPeerGone(); // wakes a reader asleep on the futex; it then sees the cancelled read
        _peerRegions.Close(new TransportException(reason, "The connection has ended."));
        // The peer sees end of stream at once: after our close frame (graceful), else a reset.
        _link.ShutdownBoth();
    }

    protected override void ShutdownOutput() => _link.ShutdownOutput();

    protected override void ReleaseStream()
    {
        _link.Dispose();
        _peerRegions.Dispose();
        _mapping.Detach();
    }

    protected override TransportException TranslateException(Exception exception) => exception switch
    {
        TransportException transport => transport,
        NativeCallException native => new TransportException(TransportError.ConnectionReset, $"Shared-memory connection failed: {native.Message}", native),
        _ => new TransportException(TransportError.ConnectionAborted, $"Shared-memory connection failed: {exception.Message}", exception),
    };

    // ----------------------------------------------------------------- the socket thread's reports

    void IPeerLinkEvents.OnWake()
    {
        _input.OnWake();
        _room.Signal();
    }

    void IPeerLinkEvents.OnRegion(int id, long length, FileDescriptorHandle region)
    {
        if (_peerRegions.Add(id, length, region) is { } refusal)
        {
            ((IPeerLinkEvents)this).OnPeerViolation("The peer shared a region that was refused: " + refusal + ".");
        }
    }

    void IPeerLinkEvents.OnPeerViolation(string message)
    {
        _input.Fault ??= new TransportException(TransportError.ProtocolViolation, message);
        _input.OnPeerGone();
        _link.ShutdownBoth();
    }

    void IPeerLinkEvents.OnPeerGone()
    {
        _input.OnPeerGone();
        _room.Signal();
    }

    // ----------------------------------------------------------------- shared regions

    public long MaxRegionLength => _settings.MaxRegionLength;

    public SharedRegion CreateRegion(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var rounded = (length + SegmentLayout.PageSize - 1) & ~(long)(SegmentLayout.PageSize - 1);
        if (rounded > _settings.MaxRegionLength || rounded < length)
        {
            throw new TransportException(TransportError.FrameTooLarge, $"A shared region of {length} bytes exceeds the limit of {_settings.MaxRegionLength} bytes.");
        }
        ThrowIfCannotWrite();
        var id = Interlocked.Increment(ref _nextRegionId);
        try
        {
            using var file = MemoryFile.Create("orion-shm-region", rounded);
            var region = new SharedRegion(id, SharedRegion.Map(file, rounded));
            try
            {
                _link.SendRegion(id, rounded, file);
            }
            catch
            {
                region.Dispose();
                throw;
            }
            return region;
        }
        catch (NativeCallException exception)
        {
            throw new TransportException(TransportError.Unavailable, $"Cannot share a region of {length} bytes: {exception.Message}", exception);
        }
    }

    public ValueTask<SharedRegion> OpenPeerRegionAsync(int id, CancellationToken cancellationToken = default)
        => _peerRegions.OpenAsync(id, cancellationToken);
}
