using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma.Tests;

/// <summary>RC semantics of the software verbs provider that the transport relies on.</summary>
public sealed class SoftwareVerbsTests
{
    private static readonly byte[] Payload = [10, 20, 30, 40, 50];

    [Fact]
    public void Send_lands_in_the_posted_receive_with_a_completion_on_both_sides()
    {
        using var pair = SoftwarePair.Create();
        var source = GC.AllocateArray<byte>(16, pinned: true);
        var target = GC.AllocateArray<byte>(16, pinned: true);
        Payload.CopyTo(source, 0);
        var sourceRegion = pair.Client.Register(SoftwarePair.AddressOf(source), 16, AccessFlags.LocalWrite);
        var targetRegion = pair.Server.Register(SoftwarePair.AddressOf(target), 16, AccessFlags.LocalWrite);
        Assert.Equal(0, pair.Server.PostReceive([new ReceiveWorkRequest { WorkRequestId = 77, Address = (ulong)targetRegion.Address, Length = 16, LocalKey = targetRegion.LocalKey }], out _));

        Assert.Equal(0, pair.Client.PostSend([new SendWorkRequest
        {
            WorkRequestId = 5, LocalAddress = (ulong)sourceRegion.Address, Length = 5, LocalKey = sourceRegion.LocalKey,
            Opcode = WorkRequestOpcode.Send, Flags = SendFlags.Signaled,
        }], out _));

        var received = Assert.Single(SoftwarePair.Drain(pair.Server));
        Assert.Equal((CompletionStatus.Success, CompletionOpcode.Receive, 77UL, 5U), (received.Status, received.Opcode, received.WorkRequestId, received.ByteLength));
        Assert.Equal(Payload, target[..5]);
        var sent = Assert.Single(SoftwarePair.Drain(pair.Client));
        Assert.Equal((CompletionStatus.Success, CompletionOpcode.Send, 5UL), (sent.Status, sent.Opcode, sent.WorkRequestId));
    }

    [Fact]
    public void Unsignaled_success_produces_no_completion()
    {
        using var pair = SoftwarePair.Create();
        var target = GC.AllocateArray<byte>(16, pinned: true);
        var region = pair.Server.Register(SoftwarePair.AddressOf(target), 16, AccessFlags.LocalWrite | AccessFlags.RemoteWrite);
        var source = GC.AllocateArray<byte>(16, pinned: true);
        Assert.Equal(0, pair.Client.PostSend([new SendWorkRequest
        {
            LocalAddress = (ulong)SoftwarePair.AddressOf(source), Length = 8, Opcode = WorkRequestOpcode.RdmaWrite, Flags = SendFlags.Inline,
            RemoteAddress = (ulong)region.Address, RemoteKey = region.RemoteKey,
        }], out _));
        Assert.Empty(SoftwarePair.Drain(pair.Client));
        Assert.Empty(SoftwarePair.Drain(pair.Server));
    }

    [Fact]
    public void Write_with_immediate_places_data_and_consumes_a_receive()
    {
        using var pair = SoftwarePair.Create();
        var slots = GC.AllocateArray<byte>(64, pinned: true);
        var slotRegion = pair.Server.Register(SoftwarePair.AddressOf(slots), 64, AccessFlags.LocalWrite | AccessFlags.RemoteWrite);
        pair.Server.PostReceive([new ReceiveWorkRequest { WorkRequestId = 3 }], out _);
        var source = GC.AllocateArray<byte>(8, pinned: true);
        Payload.CopyTo(source, 0);

        pair.Client.PostSend([new SendWorkRequest
        {
            LocalAddress = (ulong)SoftwarePair.AddressOf(source), Length = 5, Opcode = WorkRequestOpcode.RdmaWriteWithImmediate,
            Flags = SendFlags.Inline | SendFlags.Signaled, RemoteAddress = (ulong)slotRegion.Address + 32, RemoteKey = slotRegion.RemoteKey, ImmediateData = 0xABCD0001,
        }], out _);

        var completion = Assert.Single(SoftwarePair.Drain(pair.Server));
        Assert.Equal(CompletionOpcode.ReceiveRdmaWithImmediate, completion.Opcode);
        Assert.Equal(0xABCD0001u, completion.ImmediateData);
        Assert.Equal(WorkCompletion.WithImmediateFlag, completion.Flags);
        Assert.Equal(5u, completion.ByteLength);
        Assert.Equal(Payload, slots[32..37]);
    }

    [Fact]
    public void Write_with_a_bad_remote_key_fails_with_remote_access_error_and_errors_both_queue_pairs()
    {
        using var pair = SoftwarePair.Create();
        var slots = GC.AllocateArray<byte>(64, pinned: true);
        var slotRegion = pair.Server.Register(SoftwarePair.AddressOf(slots), 64, AccessFlags.RemoteWrite);
        pair.Server.PostReceive([new ReceiveWorkRequest { WorkRequestId = 1 }], out _);
        var source = GC.AllocateArray<byte>(8, pinned: true);

        pair.Client.PostSend([Write(source, (ulong)slotRegion.Address, slotRegion.RemoteKey + 1000)], out _);

        var failed = Assert.Single(SoftwarePair.Drain(pair.Client));
        Assert.Equal(CompletionStatus.RemoteAccessError, failed.Status);
        Assert.All(slots, b => Assert.Equal(0, b));
        Assert.True(pair.Client.InErrorState);
        Assert.True(pair.Server.InErrorState);
        Assert.Equal(CompletionStatus.WorkRequestFlushed, Assert.Single(SoftwarePair.Drain(pair.Server)).Status);
    }

    [Theory]
    [InlineData(60, 8)]   // runs 4 bytes past the end
    [InlineData(-8, 8)]   // starts before the region
    public void Write_outside_the_region_fails_with_remote_access_error(int offset, uint length)
    {
        using var pair = SoftwarePair.Create();
        var slots = GC.AllocateArray<byte>(64, pinned: true);
        var slotRegion = pair.Server.Register(SoftwarePair.AddressOf(slots), 64, AccessFlags.RemoteWrite);
        var source = GC.AllocateArray<byte>(8, pinned: true);

        var request = Write(source, (ulong)((long)slotRegion.Address + offset), slotRegion.RemoteKey);
        request.Length = length;
        pair.Client.PostSend([request], out _);

        Assert.Equal(CompletionStatus.RemoteAccessError, Assert.Single(SoftwarePair.Drain(pair.Client)).Status);
    }

    [Fact]
    public void Write_into_a_region_without_remote_write_access_is_refused()
    {
        using var pair = SoftwarePair.Create();
        var local = GC.AllocateArray<byte>(64, pinned: true);
        var region = pair.Server.Register(SoftwarePair.AddressOf(local), 64, AccessFlags.LocalWrite);
        var source = GC.AllocateArray<byte>(8, pinned: true);
        pair.Client.PostSend([Write(source, (ulong)region.Address, region.RemoteKey)], out _);
        Assert.Equal(CompletionStatus.RemoteAccessError, Assert.Single(SoftwarePair.Drain(pair.Client)).Status);
    }

    [Fact]
    public void Send_without_a_posted_receive_fails_with_receiver_not_ready()
    {
        using var pair = SoftwarePair.Create();
        var source = GC.AllocateArray<byte>(8, pinned: true);
        pair.Client.PostSend([new SendWorkRequest { LocalAddress = (ulong)SoftwarePair.AddressOf(source), Length = 4, Opcode = WorkRequestOpcode.Send, Flags = SendFlags.Inline }], out _);
        var failed = Assert.Single(SoftwarePair.Drain(pair.Client));
        Assert.Equal(CompletionStatus.ReceiverNotReadyRetryExceeded, failed.Status);
        Assert.True(pair.Client.InErrorState);
        // Later requests on a QP in error are flushed.
        pair.Client.PostSend([new SendWorkRequest { WorkRequestId = 9, Length = 0, Opcode = WorkRequestOpcode.Send }], out _);
        var flushed = Assert.Single(SoftwarePair.Drain(pair.Client));
        Assert.Equal((CompletionStatus.WorkRequestFlushed, 9UL), (flushed.Status, flushed.WorkRequestId));
    }

    [Fact]
    public void Send_larger_than_the_receive_buffer_is_a_length_error()
    {
        using var pair = SoftwarePair.Create();
        var target = GC.AllocateArray<byte>(4, pinned: true);
        var region = pair.Server.Register(SoftwarePair.AddressOf(target), 4, AccessFlags.LocalWrite);
        pair.Server.PostReceive([new ReceiveWorkRequest { WorkRequestId = 2, Address = (ulong)region.Address, Length = 4, LocalKey = region.LocalKey }], out _);
        var source = GC.AllocateArray<byte>(8, pinned: true);
        pair.Client.PostSend([new SendWorkRequest { LocalAddress = (ulong)SoftwarePair.AddressOf(source), Length = 8, Opcode = WorkRequestOpcode.Send, Flags = SendFlags.Inline }], out _);
        Assert.Equal(CompletionStatus.LocalLengthError, Assert.Single(SoftwarePair.Drain(pair.Server)).Status);
        Assert.Equal(CompletionStatus.RemoteInvalidRequest, Assert.Single(SoftwarePair.Drain(pair.Client)).Status);
    }

    [Fact]
    public void A_local_buffer_outside_its_registration_is_a_protection_error()
    {
        using var pair = SoftwarePair.Create();
        var source = GC.AllocateArray<byte>(8, pinned: true);
        var region = pair.Client.Register(SoftwarePair.AddressOf(source), 8, AccessFlags.LocalWrite);
        pair.Server.PostReceive([new ReceiveWorkRequest { WorkRequestId = 1 }], out _);
        pair.Client.PostSend([new SendWorkRequest { LocalAddress = (ulong)region.Address, Length = 16, LocalKey = region.LocalKey, Opcode = WorkRequestOpcode.Send }], out _);
        Assert.Equal(CompletionStatus.LocalProtectionError, Assert.Single(SoftwarePair.Drain(pair.Client)).Status);
    }

    [Fact]
    public void Inline_data_above_the_granted_limit_is_refused_at_post_time()
    {
        using var pair = SoftwarePair.Create();
        var source = GC.AllocateArray<byte>(128, pinned: true);
        var rc = pair.Client.PostSend([new SendWorkRequest { LocalAddress = (ulong)SoftwarePair.AddressOf(source), Length = 128, Opcode = WorkRequestOpcode.Send, Flags = SendFlags.Inline }], out var bad);
        Assert.Equal(-22, rc);
        Assert.Equal(0, bad);
    }

    [Fact]
    public void Too_many_unsignaled_requests_overflow_the_send_queue()
    {
        using var pair = SoftwarePair.Create(depth: 8);
        var slots = GC.AllocateArray<byte>(64, pinned: true);
        var region = pair.Server.Register(SoftwarePair.AddressOf(slots), 64, AccessFlags.RemoteWrite);
        var source = GC.AllocateArray<byte>(8, pinned: true);
        var requests = Enumerable.Range(0, 8).Select(_ => Write(source, (ulong)region.Address, region.RemoteKey)).ToArray();
        foreach (ref var request in requests.AsSpan())
        {
            request.Flags = SendFlags.Inline;
        }
        var rc = pair.Client.PostSend(requests, out var bad);
        Assert.Equal(-12, rc);
        Assert.Equal(7, bad);
    }

    [Fact]
    public void Disconnect_flushes_posted_receives_on_both_sides()
    {
        using var pair = SoftwarePair.Create();
        pair.Server.PostReceive([new ReceiveWorkRequest { WorkRequestId = 4 }, new ReceiveWorkRequest { WorkRequestId = 5 }], out _);
        pair.Client.PostReceive([new ReceiveWorkRequest { WorkRequestId = 6 }], out _);
        pair.Client.Disconnect();
        Assert.True(pair.Server.IsDisconnected);
        Assert.Equal([4UL, 5UL], SoftwarePair.Drain(pair.Server).Select(c => c.WorkRequestId));
        Assert.All(SoftwarePair.Drain(pair.Client), c => Assert.Equal(CompletionStatus.WorkRequestFlushed, c.Status));
    }

    [Fact]
    public void Connecting_to_a_port_nobody_listens_on_fails_with_connect_failed()
    {
        var provider = new Software.SoftwareVerbsProvider(new Software.SoftwareFabric());
        var caps = new QueueCapacities { MaxSendRequests = 4, MaxReceiveRequests = 4, CompletionQueueEntries = 8 };
        var error = Assert.Throws<TransportException>(() => provider.CreateClient("localhost", 4242, ref caps, TimeSpan.FromSeconds(1)));
        Assert.Equal(TransportError.ConnectFailed, error.Error);
    }

    private static SendWorkRequest Write(byte[] source, ulong remoteAddress, uint remoteKey) => new()
    {
        LocalAddress = (ulong)SoftwarePair.AddressOf(source), Length = 8, Opcode = WorkRequestOpcode.RdmaWrite, Flags = SendFlags.Inline | SendFlags.Signaled,
        RemoteAddress = remoteAddress, RemoteKey = remoteKey,
    };
}
