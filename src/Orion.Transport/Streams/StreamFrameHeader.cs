using System.Buffers;
using System.Buffers.Binary;

namespace Orion.Transport.Streams;

/// <summary>
/// The 8-byte header in front of every frame on a byte-stream transport (TCP, in-memory; see
/// <see cref="StreamTransportConnection"/>). The RDMA transport has a header of its own
/// (<c>RdmaFrameHeader</c>), for SENDs that carry credits:
/// <code>
/// offset 0  u32 payload length, little-endian (header excluded)
/// offset 4  u8  kind: 1 message, 2 bulk, 3 keepalive, 4 close
/// offset 5  3 reserved bytes, must be zero
/// </code>
/// An unknown kind, non-zero reserved bytes, or a payload on keepalive/close is a protocol
/// violation. The length is checked against the receiver's limits before anything is allocated.
/// </summary>
internal readonly record struct StreamFrameHeader(StreamFrameKind Kind, uint Length)
{
    public const int Size = 8;

    /// <summary>The first two bytes of a TLS handshake record: content type 22, major version 3.</summary>
    private const byte TlsHandshakeRecord = 0x16;
    private const byte TlsMajorVersion = 0x03;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Length);
        destination[4] = (byte)Kind;
        destination[5] = 0;
        destination[6] = 0;
        destination[7] = 0;
    }

    /// <summary>Parses and validates a header against <paramref name="options"/>.</summary>
    /// <returns>False when fewer than <see cref="Size"/> bytes are available.</returns>
    /// <exception cref="TransportException">The bytes are not a valid header, or the length is over the limit.</exception>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, TransportOptions options, out StreamFrameHeader header)
        => TryRead(buffer, options, options.MaxMessageSize, out header);

    /// <summary>Parses and validates a header against <paramref name="options"/>, a message against <paramref name="maxMessageSize"/>
    /// (<see cref="TransportConnection.MaxIncomingMessageSize"/>).</summary>
    /// <returns>False when fewer than <see cref="Size"/> bytes are available.</returns>
    /// <exception cref="TransportException">The bytes are not a valid header, or the length is over the limit.</exception>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, TransportOptions options, int maxMessageSize, out StreamFrameHeader header)
    {
        if (buffer.Length < Size)
        {
            header = default;
            return false;
        }
        Span<byte> bytes = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(bytes);
        header = Parse(bytes, options, maxMessageSize);
        return true;
    }

    public static StreamFrameHeader Parse(ReadOnlySpan<byte> bytes, TransportOptions options) => Parse(bytes, options, options.MaxMessageSize);

    /// <summary>Parses a header, a message's length checked against <paramref name="maxMessageSize"/>.</summary>
    public static StreamFrameHeader Parse(ReadOnlySpan<byte> bytes, TransportOptions options, int maxMessageSize)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        var kind = (StreamFrameKind)bytes[4];
        if ((bytes[5] | bytes[6] | bytes[7]) != 0)
        {
            if (bytes[0] == TlsHandshakeRecord && bytes[1] == TlsMajorVersion)
            {
                // A TLS record (content type 22, version 3.x; its handshake type makes byte 5 non-zero) where a frame was due.
                throw new TransportException(TransportError.ProtocolViolation,
                    "Invalid frame header: the peer began a TLS handshake; this endpoint does not use TLS (the peer should connect with tcp://, or the server listen with tls://).");
            }
            throw new TransportException(TransportError.ProtocolViolation,
                "Invalid frame header: reserved bytes are not zero (the peer does not speak the Orion framing).");
        }
        switch (kind)
        {
            case StreamFrameKind.Message:
                if (length > (uint)maxMessageSize)
                {
                    throw new TransportException(TransportError.FrameTooLarge, maxMessageSize < options.MaxMessageSize
                        ? $"Incoming message of {length} bytes exceeds the limit of {maxMessageSize} bytes before authentication."
                        : $"Incoming message of {length} bytes exceeds the limit of {maxMessageSize} bytes.");
                }
                break;
            case StreamFrameKind.Bulk:
                if (length > MaxBulkLength(options))
                {
                    throw new TransportException(TransportError.FrameTooLarge,
                        $"Incoming bulk transfer of {length} bytes exceeds the limit of {MaxBulkLength(options)} bytes.");
                }
                break;
            case StreamFrameKind.KeepAlive:
            case StreamFrameKind.Close:
                if (length != 0)
                {
                    throw new TransportException(TransportError.ProtocolViolation,
                        $"Invalid frame header: a {kind} frame carries {length} payload bytes (must be 0).");
                }
                break;
            default:
                throw new TransportException(TransportError.ProtocolViolation,
                    $"Invalid frame header: unknown frame kind {(byte)kind}.");
        }
        return new StreamFrameHeader(kind, length);
    }

    /// <summary>The largest bulk payload a frame may carry: the configured limit, capped by what one
    /// <see cref="Memory{T}"/> can address.</summary>
    public static long MaxBulkLength(TransportOptions options) => Math.Min(options.MaxBulkSize, int.MaxValue);
}
