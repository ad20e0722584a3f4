using System.Buffers;
using System.Diagnostics;
using System.Text;
using Orion.Transport.Tcp;

namespace Orion.Transport.Tests.Tls;

/// <summary>What a <c>tls://</c> client verifies, and how a TLS peer and a plain one fail against each other: quickly, with one
/// line that says what is wrong.</summary>
public sealed class TlsTransportTests : IDisposable
{
    private static readonly TimeSpan Quickly = TimeSpan.FromSeconds(5);
    private readonly X509Certificate2Holder _server = new(TestCertificates.CreateSelfSigned());
    private readonly TcpTransport _transport = new();

    public void Dispose() => _server.Certificate.Dispose();

    private static TransportEndpoint Loopback(string scheme) => new(scheme, "127.0.0.1", 0);

    private TransportOptions ServerOptions => new() { Tls = new TransportTlsOptions { ServerCertificate = _server.Certificate } };

    [Fact]
    public async Task A_client_that_trusts_the_certificate_exchanges_messages_over_tls()
    {
        await using var listener = await _transport.ListenAsync(Loopback("tls"), ServerOptions);
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await _transport.ConnectAsync(listener.Endpoint, new TransportOptions { Tls = new TransportTlsOptions { TrustedCertificates = [_server.Certificate] } });
        await using var server = await accept;
        Assert.Equal("tls", client.RemoteEndpoint.Scheme);
        Assert.Equal("tls", server.LocalEndpoint.Scheme);

        await client.SendAsync("hello"u8.ToArray());
        Assert.Equal("hello", Encoding.ASCII.GetString(server.Receive().ToArray())); // the synchronous receive a session uses
        await server.SendAsync("welcome"u8.ToArray());
        Assert.Equal("welcome", Encoding.ASCII.GetString((await client.ReceiveAsync()).ToArray()));
        var bulk = new byte[3 << 20];
        Random.Shared.NextBytes(bulk);
        var sent = client.SendBulkAsync(bulk).AsTask();
        var received = new byte[bulk.Length];
        server.ReceiveBulk(received);
        await sent;
        Assert.Equal(bulk, received);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_certificate_is_refused_with_one_clear_line()
    {
        await using var listener = await _transport.ListenAsync(Loopback("tls"), ServerOptions);
        _ = AcceptAndHoldAsync(listener);

        // The system's store does not know a certificate made a moment ago.
        var refused = await Assert.ThrowsAsync<TransportException>(() => _transport.ConnectAsync(listener.Endpoint, new TransportOptions()).AsTask().WaitAsync(Quickly));
        Assert.Equal(TransportError.ConnectFailed, refused.Error);
        Assert.StartsWith("TLS: the server is not trusted: its certificate (CN=orion-test-server) is not trusted by this system", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);

        // Trusting another certificate does not help.
        using var other = TestCertificates.CreateSelfSigned("CN=someone-else");
        refused = await Assert.ThrowsAsync<TransportException>(() => _transport.ConnectAsync(listener.Endpoint,
            new TransportOptions { Tls = new TransportTlsOptions { TrustedCertificates = [other] } }).AsTask().WaitAsync(Quickly));
        Assert.Contains("does not chain to a trusted certificate", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_refused_unless_the_client_names_it()
    {
        using var elsewhere = TestCertificates.CreateSelfSigned("CN=gpu-pool", "gpu-pool.example");
        await using var listener = await _transport.ListenAsync(Loopback("tls"), new TransportOptions { Tls = new TransportTlsOptions { ServerCertificate = elsewhere } });
        _ = AcceptAndHoldAsync(listener);

        var refused = await Assert.ThrowsAsync<TransportException>(() => _transport.ConnectAsync(listener.Endpoint,
            new TransportOptions { Tls = new TransportTlsOptions { TrustedCertificates = [elsewhere] } }).AsTask().WaitAsync(Quickly));
        Assert.Contains("is not issued to '127.0.0.1'", refused.Message, StringComparison.Ordinal);

        await using var named = await _transport.ConnectAsync(listener.Endpoint,
            new TransportOptions { Tls = new TransportTlsOptions { TrustedCertificates = [elsewhere], ServerName = "gpu-pool.example" } });
    }

    [Fact]
    public async Task A_plain_client_against_a_tls_server_fails_quickly_on_both_sides()
    {
        await using var listener = await _transport.ListenAsync(Loopback("tls"), ServerOptions);
        var accept = listener.AcceptAsync().AsTask();
        var stopwatch = Stopwatch.StartNew();
        await using var client = await _transport.ConnectAsync(listener.Endpoint with { Scheme = "tcp" }, new TransportOptions());
        await using var server = await accept;
        await client.SendAsync("hello"u8.ToArray());

        var serverSide = await Assert.ThrowsAsync<TransportException>(() => server.ReceiveAsync().AsTask().WaitAsync(Quickly));
        Assert.Contains("TLS handshake with the client failed", serverSide.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<TransportException>(() => client.ReceiveAsync().AsTask().WaitAsync(Quickly));
        Assert.True(stopwatch.Elapsed < Quickly);
    }

    [Fact]
    public async Task A_tls_client_against_a_plain_server_fails_quickly_and_says_so()
    {
        await using var listener = await _transport.ListenAsync(Loopback("tcp"), new TransportOptions());
        var accept = listener.AcceptAsync().AsTask();
        var connect = _transport.ConnectAsync(listener.Endpoint with { Scheme = "tls" }, new TransportOptions { Tls = new TransportTlsOptions { TrustedCertificates = [_server.Certificate] } }).AsTask();
        await using var server = await accept;

        // The plain server reads the TLS client hello as a frame header and names it.
        var serverSide = await Assert.ThrowsAsync<TransportException>(() => server.ReceiveAsync().AsTask().WaitAsync(Quickly));
        Assert.Equal(TransportError.ProtocolViolation, serverSide.Error);
        Assert.Contains("the peer began a TLS handshake", serverSide.Message, StringComparison.Ordinal);
        var clientSide = await Assert.ThrowsAsync<TransportException>(() => connect.WaitAsync(Quickly));
        Assert.Equal(TransportError.ConnectFailed, clientSide.Error);
        Assert.Contains("is the server listening with tls://", clientSide.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_never_completes_the_handshake_is_dropped_at_the_handshake_timeout()
    {
        var options = new TransportOptions { Tls = new TransportTlsOptions { ServerCertificate = _server.Certificate, HandshakeTimeout = TimeSpan.FromMilliseconds(300) } };
        await using var listener = await _transport.ListenAsync(Loopback("tls"), options);
        var accept = listener.AcceptAsync().AsTask();
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await silent.ConnectAsync(System.Net.IPAddress.Loopback, listener.Endpoint.Port);
        await using var server = await accept; // the accept does not wait for the handshake

        var failure = await Assert.ThrowsAsync<TransportException>(() => server.ReceiveAsync().AsTask().WaitAsync(Quickly));
        Assert.Equal(TransportError.Timeout, failure.Error);
    }

    [Fact]
    public async Task Listening_on_tls_without_a_certificate_is_refused()
    {
        var refused = await Assert.ThrowsAsync<TransportException>(() => _transport.ListenAsync(Loopback("tls"), new TransportOptions()).AsTask());
        Assert.Contains("TLS needs a server certificate", refused.Message, StringComparison.Ordinal);
    }

    private static async Task AcceptAndHoldAsync(TransportListener listener)
    {
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync();
                _ = connection.ReceiveAsync().AsTask().ContinueWith(async _ => await connection.DisposeAsync(), TaskScheduler.Default);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException or TransportException)
        {
        }
    }

    private sealed record X509Certificate2Holder(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate);
}
