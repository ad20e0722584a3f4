using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Transport.Streams;

namespace Orion.Transport.Tcp;

/// <summary>
/// A framed connection over a connected socket. Input is a pull-based reader over one receive
/// buffer of the connection's own (<see cref="SocketInputReader"/>), which reads only when asked: unread data stays in the kernel (backpressure on the
/// sender), and a bulk payload is read straight from the socket into the caller's buffer once the
/// reader's buffered bytes are used up. Output goes to the socket directly: a small frame is copied
/// behind its header into one per-connection buffer and sent with one call; a large payload is sent
/// from the caller's memory without a copy, in the same call as its header (vectored) where the
/// memory is an array. A full send buffer simply makes the send wait.
/// </summary>
internal sealed class TcpConnection : StreamTransportConnection
{
    /// <summary>Frames up to this size (header included) are coalesced into one send call; above it
    /// the payload's own memory is sent, so the copy never costs more than the extra syscall.</summary>
    private const int CoalesceBufferSize = 64 * 1024;

    /// <summary>The input reader's buffer: large enough that a stream of small messages is read with
    /// few syscalls. Held for the connection's lifetime, like the send buffer.</summary>
    private const int ReadBufferSize = 64 * 1024;

    /// <summary>How long a read blocking the caller's thread waits in one poll before it looks whether
    /// it was released (a failure, a cancelled token): the bound on how late it notices.</summary>
    internal const int BlockingPollSliceMicroseconds = 100_000;

    private readonly Socket _socket;
    private readonly long _spinTicks;
    private readonly byte[] _sendBuffer = GC.AllocateUninitializedArray<byte>(CoalesceBufferSize, pinned: true);
    private readonly VectoredSocketSender _vectoredSender;

    private TcpConnection(Socket socket, SocketInputReader input, TransportOptions options, TransportEndpoint local, TransportEndpoint remote)
        : base(input, options, local, remote)
    {
        _socket = socket;
        _vectoredSender = new VectoredSocketSender(socket);
        input.ReadsMayBlock = () => ReceiveMayBlock;
        input.SpinTicks = _spinTicks = SpinTicksOf(options);
        StartTimer();
    }

    /// <summary>The socket underneath, for tests that check its settings.</summary>
    internal Socket Socket => _socket;

    public static TcpConnection Create(Socket socket, TransportOptions options)
    {
        // Non-blocking for the synchronous calls only (asynchronous ones are unaffected): a blocking
        // read tries the socket, and waits in a poll of its own when nothing is there, never in the
        // socket engine (whose event thread would then have to wake it: the hand-off it avoids).
        socket.Blocking = false;
        var input = new SocketInputReader(socket, ReadBufferSize);
        return new TcpConnection(socket, input, options, ToEndpoint(socket.LocalEndPoint, TcpTransport.Scheme), ToEndpoint(socket.RemoteEndPoint, TcpTransport.Scheme));
    }

    public static void Configure(Socket socket, TransportOptions options)
    {
        socket.NoDelay = true; // Latency of single calls matters more than packet count; the protocol batches itself.
        if (options.SocketBufferSize > 0)
        {
            socket.SendBufferSize = options.SocketBufferSize;
            socket.ReceiveBufferSize = options.SocketBufferSize;
        }
    }

    protected override bool InputCompletesInline => true;

    protected override bool ReadsCanBlock => true;

    protected override bool CanReadDirect => true;

    protected override int InputBufferSize => ReadBufferSize;

    protected override bool LingerUntilPeerCloses => true;

    protected override ValueTask WriteFrameAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        // The header goes to the send buffer: a small payload is coalesced behind it into one send
        // call, and in front of a large array payload it is the first part of a vectored send.
        header.Span.CopyTo(_sendBuffer);
        if (payload.Length <= CoalesceBufferSize - header.Length)
        {
            payload.Span.CopyTo(_sendBuffer.AsSpan(header.Length));
            return SendAllAsync(_sendBuffer.AsMemory(0, header.Length + payload.Length), cancellationToken);
        }
        if (MemoryMarshal.TryGetArray(payload, out var payloadArray))
        {
            // One syscall for header and payload: two sends would put the header in a segment of its
            // own (NoDelay) and cost the peer an extra wakeup.
            return _vectoredSender.SendAsync(new ArraySegment<byte>(_sendBuffer, 0, header.Length), payloadArray, cancellationToken);
        }
        return SendHeaderThenPayloadAsync(header, payload, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendHeaderThenPayloadAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await SendAllAsync(header, cancellationToken).ConfigureAwait(false);
        await SendAllAsync(payload, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    protected override ValueTask<int> ReadDirectAsync(Memory<byte> destination, CancellationToken cancellationToken)
        => ReceiveMayBlock
            ? new ValueTask<int>(ReadDirectBlocking(destination.Span, cancellationToken))
            : _socket.ReceiveAsync(destination, SocketFlags.None, cancellationToken);

    /// <summary>Reads on the caller's thread: what the socket holds, else waits until it is readable.
    /// Returns 0 at the end of the stream, and when the connection has failed meanwhile (the framing
    /// layer then reports the failure).</summary>
    private int ReadDirectBlocking(Span<byte> destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Looked at before every read, not only when the socket is quiet: a peer that trickles bytes
            // must not outlive the receive's token (the hello timeout) or a failure.
            cancellationToken.ThrowIfCancellationRequested();
            if (HasFailed)
            {
                return 0;
            }
            var received = _socket.Receive(destination, SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                return received;
            }
            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }
            if (SpinUntilReadable(_socket, _spinTicks))
            {
                continue;
            }
            while (!_socket.Poll(BlockingPollSliceMicroseconds, SelectMode.SelectRead))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (HasFailed)
                {
                    return 0;
                }
            }
        }
    }

    private static long SpinTicksOf(TransportOptions options) => BoundedSpin.Ticks(options.ReceiveSpinTime);

    /// <summary>
    /// Looks whether <paramref name="socket"/> has become readable, without sleeping, for up to
    /// <paramref name="spinTicks"/> (<see cref="TransportOptions.ReceiveSpinTime"/>): true as soon as it is.
    /// </summary>
    internal static bool SpinUntilReadable(Socket socket, long spinTicks)
        => BoundedSpin.Until(static s => s.Poll(0, SelectMode.SelectRead), socket, spinTicks);

    protected override void OnFailed(TransportError reason) => SocketEnding.End(_socket, reason);

    protected override void ShutdownOutput() => _socket.Shutdown(SocketShutdown.Send);

    protected override void ReleaseStream()
    {
        _socket.Dispose();
        _vectoredSender.Dispose();
    }

    protected override TransportException TranslateException(Exception exception) => SocketErrors.Translate(exception);

    internal static TransportEndpoint ToEndpoint(EndPoint? endPoint, string scheme)
    {
        if (endPoint is not IPEndPoint ip)
        {
            return new TransportEndpoint(scheme, endPoint?.ToString() ?? "unknown", 0);
        }
        var address = ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address;
        return new TransportEndpoint(scheme, address.ToString(), ip.Port);
    }
}
