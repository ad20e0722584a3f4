using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory.Tests;

/// <summary>What the shared-memory transport does beyond the conformance suite: the setup's checks of
/// what a client states, a peer that corrupts the ring, messages handed over in place, shared regions.</summary>
public sealed class SharedMemoryTransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly SharedMemoryTransport _transport = new(new SharedMemoryTransportSettings { RingCapacity = 256 * 1024 });

    [Fact]
    public async Task A_message_that_fits_the_ring_is_handed_over_in_place_and_one_that_does_not_streams_through()
    {
        await using var pair = await ConnectAsync(new TransportOptions { MaxMessageSize = 4 * 1024 * 1024 });
        var small = Pattern(1000, 1);
        await pair.Client.SendAsync(small);
        var received = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout);
        Assert.True(received.IsSingleSegment);
        // In place: the payload is the ring's memory, not a copy in an array.
        Assert.False(MemoryMarshal.TryGetArray(received.First, out _));
        Assert.Equal(small, received.ToArray());

        var large = Pattern(1024 * 1024 + 3, 2); // four rings' worth
        var sending = pair.Client.SendAsync(large).AsTask();
        var whole = await pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal(large, whole.ToArray());
        await sending.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_synchronous_receive_asleep_on_the_futex_is_woken_by_the_next_message()
    {
        await using var pair = await ConnectAsync(new TransportOptions { ReceiveSpinTime = TimeSpan.Zero });
        var receive = Task.Factory.StartNew(() => pair.Server.Receive().ToArray(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.Delay(300); // asleep by now: no spinning was asked for
        Assert.False(receive.IsCompleted);
        await pair.Client.SendAsync(new byte[] { 42 });
        Assert.Equal(new byte[] { 42 }, await receive.WaitAsync(Timeout));
    }

    [Theory]
    [InlineData("capacity", "outside the accepted sizes")]
    [InlineData("length", "does not match")]
    [InlineData("unsealed", "not sealed")]
    [InlineData("short file", "holds")]
    [InlineData("no descriptor", "without the segment")]
    [InlineData("magic", "magic")]
    public async Task A_client_whose_hello_or_segment_is_wrong_is_refused_before_anything_is_mapped(string fault, string reason)
    {
        var endpoint = TestSockets.NewEndpoint();
        await using var listener = await _transport.ListenAsync(endpoint, new TransportOptions());
        var accept = listener.AcceptAsync().AsTask();

        using var socket = UnixSocket.Create();
        UnixSocket.SetTimeouts(socket, Timeout);
        UnixSocket.Connect(socket, endpoint.Host);
        const int capacity = 64 * 1024;
        var hello = new byte[SetupRecords.HelloLength];
        SetupRecords.WriteHello(hello, capacity);
        var length = SegmentLayout.SegmentLength(capacity);
        FileDescriptorHandle? segment = fault switch
        {
            "unsealed" => new FileDescriptorHandle(LinuxMethods.MemfdCreate("unsealed", LinuxMethods.MFD_CLOEXEC)),
            "short file" => MemoryFile.Create("short", length - 4096),
            "no descriptor" => null,
            _ => MemoryFile.Create("segment", length),
        };
        if (fault == "unsealed")
        {
            Assert.Equal(0, LinuxMethods.Ftruncate(segment!.Fd, length));
        }
        switch (fault)
        {
            case "capacity": BinaryPrimitives.WriteInt32LittleEndian(hello.AsSpan(8), 3); break;
            case "length": BinaryPrimitives.WriteInt64LittleEndian(hello.AsSpan(16), length * 1000); break;
            case "magic": hello[0] ^= 0xFF; break;
        }
        using (segment)
        {
            UnixSocket.SendRecord(socket, hello, segment);
        }
        var answer = new byte[SetupRecords.MaxAnswerLength];
        var received = UnixSocket.ReceiveRecord(socket, answer, out _);
        var refusal = SetupRecords.ReadAnswer(answer.AsSpan(0, received));
        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
        Assert.False(accept.IsCompleted);

        // The listener keeps serving well-behaved clients.
        await using var client = await _transport.ConnectAsync(endpoint, new TransportOptions());
        await using var server = await accept.WaitAsync(Timeout);
        await client.SendAsync("still serving"u8.ToArray());
        Assert.Equal("still serving"u8.ToArray(), (await server.ReceiveAsync().AsTask().WaitAsync(Timeout)).ToArray());
    }

    [Fact]
    public async Task A_peer_that_corrupts_the_ring_positions_ends_the_connection_with_a_protocol_violation()
    {
        var endpoint = TestSockets.NewEndpoint();
        await using var listener = await _transport.ListenAsync(endpoint, new TransportOptions());
        var accept = listener.AcceptAsync().AsTask();
        using var raw = _transport.ConnectRaw(endpoint, new TransportOptions());
        await using var server = await accept.WaitAsync(Timeout);
        var receive = server.ReceiveAsync().AsTask();
        await Task.Delay(100);
        raw.CorruptWritePosition(long.MaxValue / 2); // far more than a ring ahead of the reader; wakes it
        var failure = await Assert.ThrowsAsync<TransportException>(() => receive.WaitAsync(Timeout));
        Assert.Equal(TransportError.ProtocolViolation, failure.Error);
    }

    [Fact]
    public async Task A_client_that_connects_where_nothing_listens_gets_ConnectFailed_with_the_socket_named()
    {
        var endpoint = TestSockets.NewEndpoint();
        var failure = await Assert.ThrowsAsync<TransportException>(() => _transport.ConnectAsync(endpoint, new TransportOptions()).AsTask());
        Assert.Equal(TransportError.ConnectFailed, failure.Error);
        Assert.Contains(endpoint.Host, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_listener_on_a_live_socket_is_refused_and_a_stale_socket_file_is_replaced()
    {
        var endpoint = TestSockets.NewEndpoint();
        var first = await _transport.ListenAsync(endpoint, new TransportOptions());
        var refused = await Assert.ThrowsAsync<TransportException>(() => _transport.ListenAsync(endpoint, new TransportOptions()).AsTask());
        Assert.Equal(TransportError.Unavailable, refused.Error);
        await first.DisposeAsync();

        // A socket file nobody accepts on, as a crashed server leaves it.
        using (var stale = UnixSocket.Create())
        {
            UnixSocket.Bind(stale, endpoint.Host, 1);
        }
        Assert.True(File.Exists(endpoint.Host));
        await using var second = await _transport.ListenAsync(endpoint, new TransportOptions());
        var accept = second.AcceptAsync().AsTask();
        await using var client = await _transport.ConnectAsync(endpoint, new TransportOptions());
        await using var server = await accept.WaitAsync(Timeout);
    }

    [Fact]
    public void Endpoints_name_their_socket_by_path_or_by_port_in_the_socket_directory()
    {
        var byPath = TransportEndpoint.Parse("shm:///run/orion/orion.sock");
        Assert.Equal(new TransportEndpoint("shm", "/run/orion/orion.sock", 0), byPath);
        Assert.Equal("shm:///run/orion/orion.sock", byPath.ToString());
        Assert.Equal("/run/orion/orion.sock", SharedMemoryEndpoints.SocketPath(byPath, "/elsewhere"));
        var byPort = TransportEndpoint.Parse("shm://localhost:7000");
        Assert.Equal("/var/run/orion/orion-7000.sock", SharedMemoryEndpoints.SocketPath(byPort, "/var/run/orion"));
        Assert.False(TransportEndpoint.TryParse("shm://", out _, out _));
        Assert.True(SharedMemoryEndpoints.IsThisHost("127.0.0.1"));
        Assert.True(SharedMemoryEndpoints.IsThisHost("localhost"));
        Assert.False(SharedMemoryEndpoints.IsThisHost("192.0.2.1")); // TEST-NET-1: nobody's address
    }

    [Fact]
    public async Task A_host_that_is_not_this_machine_is_refused()
    {
        var failure = await Assert.ThrowsAsync<TransportException>(
            () => _transport.ConnectAsync(TransportEndpoint.Parse("shm://192.0.2.1:7000"), new TransportOptions()).AsTask());
        Assert.Equal(TransportError.ConnectFailed, failure.Error);
        Assert.Contains("not on this host", failure.Message, StringComparison.Ordinal);
    }

    // ----------------------------------------------------------------- shared regions

    [Fact]
    public async Task A_region_one_side_creates_is_the_same_memory_on_the_other_both_ways()
    {
        await using var pair = await ConnectAsync(new TransportOptions());
        var clientRegions = Assert.IsAssignableFrom<ISharedMemoryRegions>(pair.Client);
        var serverRegions = Assert.IsAssignableFrom<ISharedMemoryRegions>(pair.Server);

        using var created = clientRegions.CreateRegion(3 * 1024 * 1024 + 5);
        Assert.Equal(3 * 1024 * 1024 + 4096, created.Length); // whole pages
        Pattern(1024, 7).CopyTo(created.AsSpan());
        // The protocol above names the region in a message; the descriptor went ahead on the socket.
        await pair.Client.SendAsync(BitConverter.GetBytes(created.Id));
        var id = BitConverter.ToInt32((await pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout)).ToArray());
        using var opened = await serverRegions.OpenPeerRegionAsync(id).AsTask().WaitAsync(Timeout);
        Assert.Equal(created.Length, opened.Length);
        Assert.Equal(Pattern(1024, 7), opened.AsSpan()[..1024].ToArray());
        Assert.NotEqual(created.Address, opened.Address);

        // Writes by the opener are seen by the creator: one memory, two mappings.
        opened.AsSpan()[^1] = 0x5A;
        Assert.Equal(0x5A, created.AsSpan()[^1]);

        using var fromServer = serverRegions.CreateRegion(4096);
        fromServer.AsSpan()[0] = 9;
        using var back = await clientRegions.OpenPeerRegionAsync(fromServer.Id).AsTask().WaitAsync(Timeout);
        Assert.Equal(9, back.AsSpan()[0]);
        await Assert.ThrowsAsync<InvalidOperationException>(() => clientRegions.OpenPeerRegionAsync(fromServer.Id).AsTask());
    }

    [Fact]
    public async Task Opening_a_region_before_its_descriptor_arrives_waits_for_it_and_the_connection_ending_ends_the_wait()
    {
        await using var pair = await ConnectAsync(new TransportOptions());
        var serverRegions = (ISharedMemoryRegions)pair.Server;
        var early = serverRegions.OpenPeerRegionAsync(1).AsTask();
        var never = serverRegions.OpenPeerRegionAsync(2).AsTask();
        await Task.Delay(100);
        Assert.False(early.IsCompleted);
        using var created = ((ISharedMemoryRegions)pair.Client).CreateRegion(4096);
        Assert.Equal(1, created.Id);
        using var opened = await early.WaitAsync(Timeout);
        Assert.Equal(4096, opened.Length);

        pair.Client.Abort("test: the peer goes away");
        _ = await Assert.ThrowsAsync<TransportException>(() => pair.Server.ReceiveAsync().AsTask().WaitAsync(Timeout));
        await Assert.ThrowsAsync<TransportException>(() => never.WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_region_over_the_limit_is_refused_before_any_memory_is_taken()
    {
        var small = new SharedMemoryTransport(new SharedMemoryTransportSettings { MaxRegionLength = 1024 * 1024 });
        await using var pair = await ConnectAsync(new TransportOptions(), small);
        var failure = Assert.Throws<TransportException>(() => ((ISharedMemoryRegions)pair.Client).CreateRegion(1024 * 1024 + 1));
        Assert.Equal(TransportError.FrameTooLarge, failure.Error);
        Assert.Equal(1024 * 1024, ((ISharedMemoryRegions)pair.Client).CreateRegion(1024 * 1024).Length);
    }

    // ----------------------------------------------------------------- helpers

    internal sealed class Pair(TransportListener listener, TransportConnection client, TransportConnection server) : IAsyncDisposable
    {
        public TransportConnection Client { get; } = client;
        public TransportConnection Server { get; } = server;

        public async ValueTask DisposeAsync()
        {
            Client.Abort("test over");
            Server.Abort("test over");
            await Client.DisposeAsync();
            await Server.DisposeAsync();
            await listener.DisposeAsync();
        }
    }

    private async Task<Pair> ConnectAsync(TransportOptions options, SharedMemoryTransport? transport = null)
    {
        transport ??= _transport;
        var listener = await transport.ListenAsync(TestSockets.NewEndpoint(), options);
        var accept = listener.AcceptAsync().AsTask();
        var client = await transport.ConnectAsync(listener.Endpoint, options).AsTask().WaitAsync(Timeout);
        return new Pair(listener, client, await accept.WaitAsync(Timeout));
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
