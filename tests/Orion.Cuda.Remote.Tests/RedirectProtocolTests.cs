using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Isolation;

namespace Orion.Cuda.Remote.Tests;

public sealed class RedirectProtocolTests
{
    [Fact]
    public void A_redirect_welcome_round_trips_its_endpoint_and_ticket()
    {
        var ticket = WorkerTicket.Create();
        using var writer = new ProtocolWriter();
        ServerWelcome.Redirect(7, "tcp://10.1.2.3:40123", ticket).Encode(writer);
        var decoded = ServerWelcome.Decode(writer.WrittenSpan);
        Assert.Equal(HandshakeStatus.Redirect, decoded.Status);
        Assert.Equal(7UL, decoded.SessionId);
        Assert.Equal("tcp://10.1.2.3:40123", decoded.RedirectEndpoint);
        Assert.Equal(ticket, decoded.RedirectTicket);
    }

    [Fact]
    public void Tickets_are_256_random_bits_in_lowercase_hex()
    {
        var tickets = Enumerable.Range(0, 100).Select(_ => WorkerTicket.Create()).ToArray();
        Assert.All(tickets, t => Assert.True(WorkerTicket.IsWellFormed(t)));
        Assert.All(tickets, t => Assert.Equal(64, t.Length));
        Assert.Equal(100, tickets.Distinct().Count());
        Assert.False(WorkerTicket.IsWellFormed(tickets[0].ToUpperInvariant()));
        Assert.False(WorkerTicket.IsWellFormed(tickets[0][..63]));
        Assert.False(WorkerTicket.IsWellFormed(null));
    }

    [Theory]
    [InlineData("short")]
    [InlineData("")]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    public void A_redirect_with_a_malformed_ticket_is_rejected(string ticket)
    {
        using var writer = new ProtocolWriter();
        ServerWelcome.Redirect(1, "tcp://127.0.0.1:1", ticket).Encode(writer);
        Assert.Throws<ProtocolException>(() => ServerWelcome.Decode(writer.WrittenSpan));
    }

    [Fact]
    public void A_redirect_endpoint_longer_than_the_limit_is_rejected_before_allocation()
    {
        using var writer = new ProtocolWriter();
        ServerWelcome.Redirect(1, "tcp://h:1", WorkerTicket.Create()).Encode(writer);
        var bytes = writer.WrittenSpan.ToArray();
        // The endpoint's u16 length sits right after the (empty) device list; claim 60000 bytes.
        var endpointLength = bytes.Length - (2 + 64) - (2 + "tcp://h:1".Length);
        BitConverter.TryWriteBytes(bytes.AsSpan(endpointLength), (ushort)60000);
        var error = Assert.Throws<ProtocolException>(() => ServerWelcome.Decode(bytes));
        Assert.Contains("exceeds the limit", error.Message, StringComparison.Ordinal);
    }
}
