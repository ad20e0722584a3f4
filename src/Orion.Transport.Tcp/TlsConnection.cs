using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Orion.Transport.Streams;

namespace Orion.Transport.Tcp;

/// <summary>
/// A framed connection over TLS over TCP (<c>tls://</c>): the Orion stream framing inside an <see cref="SslStream"/>.
/// Input is a <see cref="PipeReader"/> over the TLS stream; output goes to it, a small frame coalesced behind its header.
/// There is no direct path: synchronous receives wait for the asynchronous ones (the base class's fallback), and every
/// byte passes through the TLS record layer anyway.
/// </summary>
/// <remarks>
/// A server's handshake runs in the background from the accept, so a slow client never holds up the accept loop; reads
/// and writes wait for it, and the server's hello timeout (its first receive's token) bounds it as well as
/// <see cref="TransportTlsOptions.HandshakeTimeout"/>. A client's handshake completes before
/// <see cref="TcpTransport.ConnectAsync"/> returns, so a certificate it does not trust fails the connect itself.
/// </remarks>
internal sealed class TlsConnection : StreamTransportConnection
{
    private const int CoalesceBufferSize = 16 * 1024;
    private const int ReadBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly SslStream _tls;
    private readonly Task _handshake;
    private readonly byte[] _sendBuffer = new byte[CoalesceBufferSize];

    private TlsConnection(Socket socket, SslStream tls, Task handshake, TransportOptions options, TransportEndpoint local, TransportEndpoint remote)
        : base(PipeReader.Create(new AfterHandshakeStream(tls, handshake), new StreamPipeReaderOptions(bufferSize: ReadBufferSize, minimumReadSize: 4096, leaveOpen: true)),
            options, local, remote)
    {
        _socket = socket;
        _tls = tls;
        _handshake = handshake;
        StartTimer();
    }

    /// <summary>The server's side of an accepted socket; the handshake starts now and runs in the background.</summary>
    public static TlsConnection Accept(Socket socket, TransportOptions options)
    {
        var certificate = options.Tls?.ServerCertificate
            ?? throw new TransportException(TransportError.Unavailable, "A tls:// listener needs a server certificate (TransportOptions.Tls.ServerCertificate).");
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        var handshake = AuthenticateAsServerAsync(tls, certificate, options.Tls.HandshakeTimeout);
        return new TlsConnection(socket, tls, handshake, options,
            TcpConnection.ToEndpoint(socket.LocalEndPoint, TcpTransport.TlsScheme), TcpConnection.ToEndpoint(socket.RemoteEndPoint, TcpTransport.TlsScheme));
    }

    private static async Task AuthenticateAsServerAsync(SslStream tls, X509Certificate2 certificate, TimeSpan timeout)
    {
        using var expiry = new CancellationTokenSource(timeout);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ClientCertificateRequired = false,
                EncryptionPolicy = EncryptionPolicy.RequireEncryption,
            }, expiry.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception)
        {
            throw new TransportException(TransportError.Timeout, $"The client did not complete the TLS handshake within {timeout.TotalSeconds:0.###} s.", exception);
        }
        catch (Exception exception) when (exception is AuthenticationException or IOException)
        {
            throw new TransportException(TransportError.ProtocolViolation,
                $"TLS handshake with the client failed (a client without TLS? it must connect with tls://): {exception.Message}", exception);
        }
    }

    /// <summary>The client's side: verifies the server (its certificate's chain and name) before returning.</summary>
    public static async Task<TlsConnection> ConnectAsync(Socket socket, TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken)
    {
        var settings = options.Tls ?? new TransportTlsOptions();
        var serverName = string.IsNullOrEmpty(settings.ServerName) ? endpoint.Host.Trim('[', ']') : settings.ServerName;
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        var verification = new ServerVerification(settings.TrustedCertificates, serverName);
        using var expiry = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        expiry.CancelAfter(settings.HandshakeTimeout);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = verification.Check,
                EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, expiry.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch (Exception exception)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new TransportException(TransportError.ConnectFailed, verification.Failure is { } failure
                ? $"TLS: the server is not trusted: {failure}"
                : exception is OperationCanceledException
                    ? $"TLS: the handshake took more than {settings.HandshakeTimeout.TotalSeconds:0.###} s (is it an Orion server with TLS?)."
                    : $"TLS: the handshake failed (is the server listening with tls://? a plain tcp:// server cuts it off): {FirstLine(exception)}",
                exception);
        }
        return new TlsConnection(socket, tls, Task.CompletedTask, options,
            TcpConnection.ToEndpoint(socket.LocalEndPoint, TcpTransport.TlsScheme), TcpConnection.ToEndpoint(socket.RemoteEndPoint, TcpTransport.TlsScheme));
    }

    private static string FirstLine(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }
        return innermost.Message;
    }

    protected override bool LingerUntilPeerCloses => true;

    protected override ValueTask WriteFrameAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (_handshake.IsCompletedSuccessfully && payload.Length <= CoalesceBufferSize - header.Length)
        {
            // One TLS record for a small frame: header and payload copied together.
            header.Span.CopyTo(_sendBuffer);
            payload.Span.CopyTo(_sendBuffer.AsSpan(header.Length));
            return _tls.WriteAsync(_sendBuffer.AsMemory(0, header.Length + payload.Length), cancellationToken);
        }
        return WriteAfterHandshakeAsync(header, payload, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteAfterHandshakeAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _handshake.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _tls.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        if (!payload.IsEmpty)
        {
            await _tls.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void OnFailed(TransportError reason) => SocketEnding.End(_socket, reason);

    protected override void ShutdownOutput() => _socket.Shutdown(SocketShutdown.Send);

    protected override void ReleaseStream()
    {
        _tls.Dispose();
        _socket.Dispose();
    }

    protected override TransportException TranslateException(Exception exception)
    {
        if (exception is TransportException transport)
        {
            return transport;
        }
        if (exception is AuthenticationException)
        {
            return new TransportException(TransportError.ProtocolViolation, "TLS failed: " + exception.Message, exception);
        }
        return SocketErrors.Translate(exception);
    }

    /// <summary>What the client checks of the server's certificate, and why it refused it (for a one-line error).</summary>
    private sealed class ServerVerification(X509Certificate2Collection? trusted, string serverName)
    {
        public string? Failure { get; private set; }

        public bool Check(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (certificate is null)
            {
                Failure = "it presented no certificate";
                return false;
            }
            if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                Failure = $"its certificate ({certificate.Subject}) is not issued to '{serverName}' (set the expected name with ORION_TLS_SERVER_NAME / TransportTlsOptions.ServerName)";
                return false;
            }
            if (trusted is { Count: > 0 })
            {
                // Our own roots, not the system's: build the chain again against them only.
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.AddRange(trusted);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (chain is not null)
                {
                    foreach (var element in chain.ChainElements)
                    {
                        custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                    }
                }
                using var leaf = new X509Certificate2(certificate);
                if (!custom.Build(leaf))
                {
                    Failure = $"its certificate ({certificate.Subject}) does not chain to a trusted certificate (ORION_TLS_CA / TransportTlsOptions.TrustedCertificates): {ChainStatusText(custom)}";
                    return false;
                }
                return true;
            }
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                Failure = $"its certificate ({certificate.Subject}) is not trusted by this system: {(chain is null ? "no chain" : ChainStatusText(chain))} (trust its CA with ORION_TLS_CA / TransportTlsOptions.TrustedCertificates)";
                return false;
            }
            if (errors != SslPolicyErrors.None)
            {
                Failure = $"its certificate was refused ({errors})";
                return false;
            }
            return true;
        }

        private static string ChainStatusText(X509Chain chain) =>
            chain.ChainStatus.Length == 0 ? "unknown reason" : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
    }

    /// <summary>The TLS stream for the input reader, whose reads first wait for the handshake (a server's runs in the background).</summary>
    private sealed class AfterHandshakeStream(SslStream tls, Task handshake) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!handshake.IsCompletedSuccessfully)
            {
                await handshake.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            return await tls.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
