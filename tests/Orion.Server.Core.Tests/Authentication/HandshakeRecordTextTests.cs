using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Tests.Authentication;

/// <summary>A handshake record written into a log (string interpolation, a debugger, an exception message) never shows a credential.</summary>
public sealed class HandshakeRecordTextTests
{
    [Fact]
    public void A_hello_prints_everything_but_its_token()
    {
        var text = new ClientHello(ProtocolLimits.Version, ProtocolFeatures.DeviceOutput, "hello-secret-91c", "my-program").ToString();
        Assert.DoesNotContain("hello-secret-91c", text, StringComparison.Ordinal);
        Assert.Contains("AuthToken = (hidden)", text, StringComparison.Ordinal);
        Assert.Contains("ClientName = my-program", text, StringComparison.Ordinal);
        Assert.Contains("AuthToken = (none)", new ClientHello(ProtocolLimits.Version, ProtocolFeatures.None, "", "x").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_redirect_prints_everything_but_its_ticket()
    {
        var ticket = new string('a', ProtocolLimits.WorkerTicketChars);
        var text = ServerWelcome.Redirect(7, "tcp://127.0.0.1:40000", ticket).ToString();
        Assert.DoesNotContain(ticket, text, StringComparison.Ordinal);
        Assert.Contains("RedirectTicket = (hidden)", text, StringComparison.Ordinal);
        Assert.Contains("RedirectEndpoint = tcp://127.0.0.1:40000", text, StringComparison.Ordinal);
        Assert.Contains("SessionId = 7", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_worker_launch_request_prints_everything_but_its_ticket()
    {
        var ticket = Orion.Server.Core.Isolation.WorkerTicket.Create();
        var text = new Orion.Server.Core.Isolation.WorkerLaunchRequest(9, new Orion.Transport.TransportEndpoint("tcp", "127.0.0.1", 0), ticket,
            [0, 1], ProtocolLimits.DefaultChunkBytes, TimeSpan.FromSeconds(10)).ToString();
        Assert.DoesNotContain(ticket, text, StringComparison.Ordinal);
        Assert.Contains("Ticket = (hidden)", text, StringComparison.Ordinal);
        Assert.Contains("Devices = [0, 1]", text, StringComparison.Ordinal);
    }
}
