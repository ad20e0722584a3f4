using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Orion.Transport.Tcp;
using Orion.Transport.Tests.Conformance;

namespace Orion.Transport.Tests.Tls;

/// <summary>The transport conformance suite over <c>tls://</c>: the TCP transport's framing inside TLS, with a certificate made in
/// the test that the client trusts. Raw connections speak TLS too, so that the malformed frames reach the framing layer.</summary>
public sealed class TlsTransportConformanceTests : TransportConformanceTests, IDisposable
{
    private readonly X509Certificate2 _certificate = TestCertificates.CreateSelfSigned();

    protected override ITransport CreateTransport() => new TcpTransport();

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.TlsScheme, "127.0.0.1", 0);

    protected override TransportOptions CreateOptions() => base.CreateOptions() with { Tls = TestCertificates.ServerAndTrust(_certificate) };

    protected override async ValueTask<RawConnection> ConnectRawAsync(ITransport transport, TransportEndpoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(endpoint.Host), endpoint.Port));
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == _certificate.GetCertHashString(),
        });
        return new TlsRawConnection(tls);
    }

    public void Dispose() => _certificate.Dispose();

    private sealed class TlsRawConnection(SslStream tls) : RawConnection
    {
        public override ValueTask SendAsync(ReadOnlyMemory<byte> bytes) => tls.WriteAsync(bytes);

        public override async ValueTask DisposeAsync() => await tls.DisposeAsync();
    }
}
