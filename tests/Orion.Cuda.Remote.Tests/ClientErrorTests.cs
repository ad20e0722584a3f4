using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Orion.Cuda.Remote.Client;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// What the C# SDK raises when no Orion server is there, when something that is not Orion answers, and when the
/// connection goes: typed <see cref="OrionException"/>s with one-line messages, within the configured timeouts.
/// </summary>
public sealed class ClientErrorTests : RemoteCudaTestBase
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(1);

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);

    /// <summary>A TCP port that accepts connections and then does what <paramref name="serve"/> says (nothing, by default).</summary>
    private sealed class FakeService : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Socket> _accepted = [];
        private readonly Task _loop;

        public FakeService(Func<Socket, Task>? serve = null)
        {
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_accepted)
                    {
                        _accepted.Add(socket);
                    }
                    if (serve is not null)
                    {
                        await serve(socket);
                    }
                }
            });
        }

        public TransportEndpoint Endpoint => new(TcpTransport.Scheme, "127.0.0.1", ((IPEndPoint)_listener.LocalEndpoint).Port);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
            }
            lock (_accepted)
            {
                _accepted.ForEach(s => s.Dispose());
            }
            _stop.Dispose();
        }
    }

    private static void AssertOneLine(Exception error) =>
        Assert.DoesNotContain('\n', error.Message);

    [Fact]
    public void The_timeouts_default_to_ten_seconds_well_below_the_idle_timeout()
    {
        var options = new RemoteCudaClientOptions();
        Assert.Equal(TimeSpan.FromSeconds(10), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.HandshakeTimeout);
        Assert.True(options.HandshakeTimeout < options.TransportOptions.IdleTimeout);
    }

    [Fact]
    public async Task A_port_that_accepts_and_says_nothing_fails_within_the_handshake_timeout()
    {
        await using var silent = new FakeService();
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ServerUnreachableException>(() => RemoteCudaClient.ConnectAsync(Transports, silent.Endpoint,
            new RemoteCudaClientOptions { HandshakeTimeout = Short }));
        clock.Stop();
        Assert.InRange(clock.Elapsed, Short - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(8)); // not the 60 s idle timeout
        Assert.Equal(silent.Endpoint, error.Endpoint);
        Assert.Equal($"{silent.Endpoint} accepted the connection but did not complete the Orion handshake within 1 s "
            + "(RemoteCudaClientOptions.HandshakeTimeout): is it an Orion server?", error.Message);
        AssertOneLine(error);
    }

    [Fact]
    public async Task The_typed_api_fails_the_same_way_and_the_error_is_an_OrionException()
    {
        await using var silent = new FakeService();
        var error = await Assert.ThrowsAnyAsync<OrionException>(() => RemoteGpu.ConnectAsync(Transports, silent.Endpoint,
            new RemoteCudaClientOptions { HandshakeTimeout = Short }));
        Assert.IsType<ServerUnreachableException>(error);
    }

    [Fact]
    public async Task A_service_that_answers_garbage_is_reported_as_not_an_Orion_server_at_once()
    {
        await using var ssh = new FakeService(socket => socket.SendAsync(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.6p1 Debian\r\n")));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ServerUnreachableException>(() => RemoteCudaClient.ConnectAsync(Transports, ssh.Endpoint));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        Assert.StartsWith($"{ssh.Endpoint} is not an Orion server (its answer to the handshake is not Orion's framing", error.Message, StringComparison.Ordinal);
        AssertOneLine(error);
    }

    [Fact]
    public async Task A_framed_answer_that_is_not_a_welcome_is_reported_as_not_an_Orion_server()
    {
        // A valid frame header (4 bytes, kind 1 = message) around bytes that are not a welcome.
        await using var stranger = new FakeService(socket => socket.SendAsync(new byte[] { 4, 0, 0, 0, 1, 0, 0, 0, (byte)'j', (byte)'u', (byte)'n', (byte)'k' }));
        var error = await Assert.ThrowsAsync<ServerUnreachableException>(() => RemoteCudaClient.ConnectAsync(Transports, stranger.Endpoint));
        Assert.StartsWith($"{stranger.Endpoint} is not an Orion server (its answer to the handshake is not an Orion welcome", error.Message, StringComparison.Ordinal);
        AssertOneLine(error);
    }

    [Fact]
    public async Task Nothing_listening_is_reported_as_unreachable_with_the_cause()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var endpoint = new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", port);
        var error = await Assert.ThrowsAsync<ServerUnreachableException>(() => RemoteGpu.ConnectAsync(Transports, endpoint));
        Assert.Equal($"cannot reach {endpoint}: Connection refused", error.Message);
        Assert.IsType<TransportException>(error.InnerException);
    }

    [Fact]
    public async Task Cancelling_the_caller_token_is_a_cancellation_not_an_unreachable_server()
    {
        await using var silent = new FakeService();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RemoteCudaClient.ConnectAsync(Transports, silent.Endpoint, null, cancel.Token));
    }

    [Fact]
    public async Task Timeouts_must_be_positive()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RemoteCudaClient.ConnectAsync(Transports, Server.Endpoints[0],
            new RemoteCudaClientOptions { HandshakeTimeout = TimeSpan.Zero }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RemoteCudaClient.ConnectAsync(Transports, Server.Endpoints[0],
            new RemoteCudaClientOptions { ConnectTimeout = TimeSpan.FromSeconds(-1) }));
    }

    [Fact]
    public async Task A_refusal_is_a_RemoteSessionRefusedException_and_an_OrionException()
    {
        var (server, _) = await StartServerAsync(options => options.AuthToken = "right");
        var error = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteGpu.ConnectAsync(Transports, server.Endpoints[0],
            new RemoteCudaClientOptions { AuthToken = "wrong" }));
        Assert.IsAssignableFrom<OrionException>(error);
        AssertOneLine(error);
    }

    [Fact]
    public void A_failed_CUDA_call_is_a_CudaException_with_its_status()
    {
        using var module = Gpu.LoadModule(TestKernels.ModuleImage);
        var error = Assert.Throws<CudaException>(() => module.GetKernel("noSuchKernel"));
        Assert.Equal(CudaStatus.NotFound, error.Status);
        Assert.IsAssignableFrom<OrionException>(error);
        Assert.Equal("cuModuleGetFunction('noSuchKernel') failed: CUDA_ERROR_NOT_FOUND (500)", error.Message);
    }

    [Fact]
    public async Task Calls_after_the_connection_is_lost_raise_ConnectionLostException_with_the_reason()
    {
        var (server, _) = await StartServerAsync();
        var gpu = new RemoteGpu(await ConnectAsync(server));
        using var buffer = gpu.Allocate<float>(16);
        await server.DisposeAsync(); // ends every session
        await WaitUntilAsync(() => !gpu.Client.IsConnected, "the client saw the connection end");

        var error = Assert.Throws<ConnectionLostException>(() => gpu.Allocate<float>(16));
        Assert.Equal("cuMemAlloc", error.Operation);
        Assert.StartsWith("cuMemAlloc failed: the connection to the Orion server is lost (", error.Message, StringComparison.Ordinal);
        Assert.Equal(gpu.Client.FailureReason, error.Reason);
        AssertOneLine(error);
        Assert.Throws<ConnectionLostException>(gpu.Synchronize);
        Assert.Throws<ConnectionLostException>(() => buffer.CopyFrom(new float[16]));
    }
}
