using System.Buffers;

namespace Orion.Transport;

/// <summary>
/// One duplex connection: framed messages both ways, plus a bulk path for large payloads that a
/// transport may move without copying (TCP: straight from the socket into the caller's buffer;
/// RDMA: written into a registered buffer).
/// </summary>
/// <remarks>
/// <para>Ordering: messages and bulk transfers sent on one connection arrive in the order sent.
/// A bulk transfer is announced by the protocol in a preceding message; the receiver then calls
/// <see cref="ReceiveBulkAsync"/> with a destination of exactly the announced length.</para>
/// <para>Concurrency: one sender and one receiver at a time (they may be different threads). The
/// protocol above serialises its writes, as a single writer drains its batch. Every returned task
/// must be awaited (or its result taken) exactly once, as any <see cref="ValueTask"/>: the stream
/// transports reuse one operation object per direction, and a send or receive whose task is
/// dropped keeps that direction busy until the connection is closed.</para>
/// <para>Errors: every failure is a <see cref="TransportException"/> whose
/// <see cref="TransportException.Error"/> says why; once a connection has failed, every later call
/// fails with the same error. Nothing hangs: a dead peer surfaces as reset or idle timeout.</para>
/// </remarks>
public abstract class TransportConnection : IAsyncDisposable
{
    public abstract TransportEndpoint LocalEndpoint { get; }

    public abstract TransportEndpoint RemoteEndpoint { get; }

    public abstract TransportOptions Options { get; }

    /// <summary>-1: <see cref="TransportOptions.MaxMessageSize"/>; else the lowered limit.</summary>
    private int _maxIncomingMessageSize = -1;

    /// <summary>
    /// The largest message this side accepts now: <see cref="TransportOptions.MaxMessageSize"/> unless lowered. A server
    /// lowers it until its peer has authenticated, so that a peer that has said nothing yet cannot make it reserve a
    /// buffer for a large message: a frame announcing more fails the connection with <see cref="TransportError.FrameTooLarge"/>
    /// when its header is read, before anything is allocated for it. Set between receives (the receiving thread's own
    /// business); at most <see cref="TransportOptions.MaxMessageSize"/>.
    /// </summary>
    public int MaxIncomingMessageSize
    {
        get
        {
            var lowered = Volatile.Read(ref _maxIncomingMessageSize);
            return lowered < 0 ? Options.MaxMessageSize : lowered;
        }
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Options.MaxMessageSize);
            Volatile.Write(ref _maxIncomingMessageSize, value);
        }
    }

    /// <summary>Sends one message of at most <see cref="TransportOptions.MaxMessageSize"/> bytes.
    /// Completes once the bytes are handed to the transport; waits while too much is unsent (backpressure).</summary>
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);

    /// <summary>Receives the next message. The payload stays valid until the next call to
    /// <see cref="ReceiveAsync"/> or <see cref="ReceiveBulkAsync"/>; copy what must live longer.</summary>
    public abstract ValueTask<ReadOnlySequence<byte>> ReceiveAsync(CancellationToken cancellationToken = default);

    /// <summary>Receives the next message as <see cref="ReceiveAsync"/> does, blocking the calling thread
    /// until it has arrived. For a caller with a thread of its own (a session's executor, a client's
    /// receive thread): a transport that can read on the caller's thread (TCP) does, so the arrival of
    /// a message wakes the very thread that handles it, with no hand-off through the transport's or
    /// the thread pool's threads on the way. Others wait for <see cref="ReceiveAsync"/>.</summary>
    public virtual ReadOnlySequence<byte> Receive(CancellationToken cancellationToken = default)
        => BlockingWait.Wait(ReceiveAsync(cancellationToken));

    /// <summary><see cref="ReceiveBulkAsync"/>, blocking the calling thread as <see cref="Receive"/> does.</summary>
    public virtual void ReceiveBulk(Memory<byte> destination, CancellationToken cancellationToken = default)
        => BlockingWait.Wait(ReceiveBulkAsync(destination, cancellationToken));

    /// <summary>Sends a bulk payload of at most <see cref="TransportOptions.MaxBulkSize"/> bytes.
    /// The caller's buffer must stay unchanged until the returned task completes.</summary>
    public abstract ValueTask SendBulkAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Receives the next bulk payload straight into <paramref name="destination"/>, whose
    /// length must equal the length sent; a different length or a message in its place is
    /// <see cref="TransportError.UnexpectedFrame"/>.</summary>
    public abstract ValueTask ReceiveBulkAsync(Memory<byte> destination, CancellationToken cancellationToken = default);

    /// <summary>Ends the connection at once; pending and later calls on both sides fail.</summary>
    public abstract void Abort(string reason);

    /// <summary>Completes when the connection has ended, for any reason; the result says why.</summary>
    public abstract Task<TransportError> Closed { get; }

    /// <summary>Closes gracefully: what was sent is delivered, then the peer sees <see cref="TransportError.ConnectionClosed"/>.</summary>
    public abstract ValueTask DisposeAsync();
}
