using System.Buffers;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Transport;
using Orion.Transport.Tcp;

using static Orion.Cuda.Remote.Tests.RawRecords;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// What a peer that connects and says nothing may hold in context-isolation mode (findings of issue 13): a session
/// thread only until the hello timeout, and a slot counted against the server's session limit, past which
/// clients are refused as unavailable while the server keeps serving the sessions it has; and a client that stops
/// reading holds its session and device memory only until a send has waited the send timeout.
/// </summary>
public sealed class ConnectionLimitTests : RemoteCudaTestBase
{
    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new TcpTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(TcpTransport.Scheme, "127.0.0.1", 0);

    [Fact]
    public async Task A_connection_that_never_says_hello_is_dropped_at_the_hello_timeout()
    {
        var (server, _) = await StartServerAsync(options => options.HelloTimeout = TimeSpan.FromMilliseconds(300));
        await using var silent = await Transports.ConnectAsync(server.Endpoints[0]);
        await WaitUntilAsync(() => server.Sessions.Count == 1, "the silent connection holds a session");

        // The server ends it: the silent peer's receive fails instead of waiting for the idle timeout (60 s).
        await Assert.ThrowsAsync<TransportException>(async () => await silent.ReceiveAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await WaitUntilAsync(() => server.Sessions.Count == 0, "the silent session was dropped");
    }

    [Fact]
    public async Task Connections_past_the_session_limit_are_refused_as_unavailable_and_the_others_keep_working()
    {
        var (server, _) = await StartServerAsync(options => options.MaxSessions = 2);
        var working = await ConnectAsync(server);
        await using var silent = await Transports.ConnectAsync(server.Endpoints[0]);
        await WaitUntilAsync(() => server.Sessions.Count == 2, "both connections hold a session");

        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]));
        Assert.Equal(HandshakeStatus.Unavailable, refused.Status);
        Assert.Contains("maximum of 2 sessions", refused.Message, StringComparison.Ordinal);
        Assert.Equal(CudaStatus.Success, working.Synchronize()); // the server still serves the session it has

        // A slot comes back when its connection goes.
        await silent.DisposeAsync();
        await WaitUntilAsync(() => server.Sessions.Count == 1, "the silent connection's session ended");
        await using var later = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
        Assert.Equal(CudaStatus.Success, later.Synchronize());
    }

    [Fact]
    public async Task A_client_that_stops_reading_loses_its_session_and_memory_at_the_send_timeout()
    {
        var (server, backend) = await StartServerAsync(options => options.SendTimeout = TimeSpan.FromMilliseconds(500));
        await using var connection = await Transports.ConnectAsync(server.Endpoints[0]);
        using (var hello = new ProtocolWriter())
        {
            new ClientHello(ProtocolLimits.Version, ProtocolFeatures.None, "", "stops-reading").Encode(hello);
            await connection.SendAsync(hello.WrittenMemory);
        }
        Assert.Equal(HandshakeStatus.Accepted, ServerWelcome.Decode((await connection.ReceiveAsync()).ToArray()).Status);
        const ulong Bytes = 64UL << 20;
        await connection.SendAsync(Record(Opcode.Allocate, U64(Bytes), requestId: 1));
        var reply = new ProtocolReader((await connection.ReceiveAsync()).ToArray());
        Assert.Equal(CudaStatus.Success, ReplyHeader.Read(ref reply).Status);
        var address = reply.ReadUInt64();
        Assert.Equal(1, backend.LiveContextCount);

        // Ask for all of it back and read nothing: the server's send fills the connection's buffers and waits.
        await connection.SendAsync(Record(Opcode.CopyDeviceToHost, [.. U64(address), .. U64(Bytes)], requestId: 2));

        await WaitUntilAsync(() => server.Sessions.Count == 0, "the session of the client that stopped reading ended");
        await WaitUntilAsync(() => backend.LiveContextCount == 0, "its context and memory were freed");
    }

    [Fact]
    public async Task Connections_past_the_per_address_limit_are_refused_at_once_and_other_addresses_are_served()
    {
        var (server, _) = await StartServerAsync(options =>
        {
            options.MaxConnectionsPerAddress = 3;
            options.Endpoints.Add(new TransportEndpoint(TcpTransport.Scheme, "::1", 0)); // a second address: IPv6 loopback
        });
        var working = await ConnectAsync(server);
        await using var silent1 = await Transports.ConnectAsync(server.Endpoints[0]);
        await using var silent2 = await Transports.ConnectAsync(server.Endpoints[0]);
        await WaitUntilAsync(() => server.Sessions.Count == 3, "three connections from 127.0.0.1 are held");

        // Refused at once, not at the hello timeout (30 s), with the reason.
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]));
        Assert.Equal(HandshakeStatus.Unavailable, refused.Status);
        Assert.Contains("too many connections from 127.0.0.1 (at most 3 at once)", refused.Message, StringComparison.Ordinal);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.Equal(3, server.Sessions.Count); // the refused one never held a session

        // The server stays responsive: the working client carries on, and another address is served.
        Assert.Equal(CudaStatus.Success, working.Synchronize());
        await using (var other = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[1]))
        {
            Assert.Equal(CudaStatus.Success, other.Synchronize());
        }

        // A place comes back when its connection goes.
        await silent1.DisposeAsync();
        await WaitUntilAsync(() => server.Sessions.Count == 2, "the silent connection's session ended");
        await using var later = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
        Assert.Equal(CudaStatus.Success, later.Synchronize());
    }

    [Fact]
    public async Task Connections_past_the_server_limit_are_refused_at_once_in_both_isolation_modes()
    {
        foreach (var isolation in new[] { SessionIsolation.Context, SessionIsolation.Process })
        {
            var workerBackend = new Orion.Server.Core.Backend.Emulated.EmulatedGpuBackend(new() { Kernels = TestKernels.Create() });
            var (server, _) = await StartServerAsync(options =>
            {
                options.MaxConnections = 2;
                options.Isolation = isolation;
                options.WorkerLauncher = new Orion.Server.Core.Isolation.InProcessWorkerLauncher(workerBackend, Transports);
            });
            await using var silent1 = await Transports.ConnectAsync(server.Endpoints[0]);
            await using var silent2 = await Transports.ConnectAsync(server.Endpoints[0]);
            await Task.Delay(200); // both accepted (a silent connection shows as a session only in context isolation)

            var refused = await Assert.ThrowsAsync<RemoteSessionRefusedException>(() => RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]));
            Assert.Equal(HandshakeStatus.Unavailable, refused.Status);
            Assert.Contains("the server already holds its maximum of 2 connections", refused.Message, StringComparison.Ordinal);

            await silent2.DisposeAsync();
            await Task.Delay(200);
            await using var served = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
            Assert.Equal(CudaStatus.Success, served.Synchronize());
            await served.DisposeAsync();
            await silent1.DisposeAsync();
            await server.DisposeAsync();
            workerBackend.Dispose();
        }
    }

    [Fact]
    public async Task Before_its_hello_a_peer_cannot_announce_a_large_message_in_either_isolation_mode()
    {
        foreach (var isolation in new[] { SessionIsolation.Context, SessionIsolation.Process })
        {
            var workerBackend = new Orion.Server.Core.Backend.Emulated.EmulatedGpuBackend(new() { Kernels = TestKernels.Create() });
            var (server, _) = await StartServerAsync(options =>
            {
                options.Isolation = isolation;
                options.WorkerLauncher = new Orion.Server.Core.Isolation.InProcessWorkerLauncher(workerBackend, Transports);
                options.SessionLimits = new SessionLimits { MaxUnauthenticatedMessageBytes = 8 * 1024 };
            });
            // A raw socket announces a 1 MiB message (within the 16 MiB limit after authentication) and sends none of it.
            using var raw = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await raw.ConnectAsync(System.Net.IPAddress.Loopback, server.Endpoints[0].Port);
            var header = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header, 1 << 20);
            header[4] = 1;
            await raw.SendAsync(header);

            // The server drops it at the header (not at the hello timeout, 30 s, as it would while waiting for the payload).
            var buffer = new byte[64];
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                while (await raw.ReceiveAsync(buffer, deadline.Token) > 0)
                {
                }
            }
            catch (System.Net.Sockets.SocketException)
            {
                // reset: dropped as well
            }
            Assert.False(deadline.IsCancellationRequested, $"{isolation}: the connection was still open after 10 s");

            // A client's hello is far below the limit.
            await using var client = await RemoteCudaClient.ConnectAsync(Transports, server.Endpoints[0]);
            Assert.Equal(CudaStatus.Success, client.Synchronize());
            await client.DisposeAsync();
            await server.DisposeAsync();
            workerBackend.Dispose();
        }
    }
}
