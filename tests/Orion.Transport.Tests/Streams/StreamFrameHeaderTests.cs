using Orion.Transport.Streams;

namespace Orion.Transport.Tests.Streams;

public sealed class StreamFrameHeaderTests
{
    private static readonly TransportOptions Limits = new() { MaxMessageSize = 1000, MaxBulkSize = 5000 };

    [Theory]
    [InlineData(1, 0u)]
    [InlineData(1, 1000u)]
    [InlineData(2, 5000u)]
    [InlineData(3, 0u)]
    [InlineData(4, 0u)]
    public void Written_header_parses_back(byte kindValue, uint length)
    {
        var kind = (StreamFrameKind)kindValue;
        var bytes = new byte[StreamFrameHeader.Size];
        new StreamFrameHeader(kind, length).Write(bytes);
        Assert.Equal(new StreamFrameHeader(kind, length), StreamFrameHeader.Parse(bytes, Limits));
    }

    [Fact]
    public void Layout_is_length_little_endian_then_kind_then_three_zero_bytes()
    {
        var bytes = new byte[StreamFrameHeader.Size];
        new StreamFrameHeader(StreamFrameKind.Bulk, 0x01020304).Write(bytes);
        Assert.Equal(new byte[] { 4, 3, 2, 1, 2, 0, 0, 0 }, bytes);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 }, TransportError.ProtocolViolation)] // kind 0
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 0, 0, 0 }, TransportError.ProtocolViolation)] // unknown kind
    [InlineData(new byte[] { 0, 0, 0, 0, 1, 0, 1, 0 }, TransportError.ProtocolViolation)] // reserved byte set
    [InlineData(new byte[] { 1, 0, 0, 0, 3, 0, 0, 0 }, TransportError.ProtocolViolation)] // keepalive with payload
    [InlineData(new byte[] { 1, 0, 0, 0, 4, 0, 0, 0 }, TransportError.ProtocolViolation)] // close with payload
    [InlineData(new byte[] { 0xE9, 3, 0, 0, 1, 0, 0, 0 }, TransportError.FrameTooLarge)] // message of 1001 bytes
    [InlineData(new byte[] { 0x89, 0x13, 0, 0, 2, 0, 0, 0 }, TransportError.FrameTooLarge)] // bulk of 5001 bytes
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0 }, TransportError.FrameTooLarge)] // 4 GiB message
    public void Invalid_headers_are_rejected_with_a_clear_error(byte[] bytes, TransportError expected)
    {
        var failure = Assert.Throws<TransportException>(() => StreamFrameHeader.Parse(bytes, Limits));
        Assert.Equal(expected, failure.Error);
        Assert.False(string.IsNullOrWhiteSpace(failure.Message));
    }

    [Fact]
    public void Bulk_limit_is_capped_by_what_one_buffer_can_address()
    {
        Assert.Equal(int.MaxValue, StreamFrameHeader.MaxBulkLength(new TransportOptions { MaxBulkSize = long.MaxValue }));
        var bytes = new byte[StreamFrameHeader.Size];
        new StreamFrameHeader(StreamFrameKind.Bulk, (uint)int.MaxValue + 1).Write(bytes);
        var failure = Assert.Throws<TransportException>(() => StreamFrameHeader.Parse(bytes, new TransportOptions { MaxBulkSize = long.MaxValue }));
        Assert.Equal(TransportError.FrameTooLarge, failure.Error);
    }
}
