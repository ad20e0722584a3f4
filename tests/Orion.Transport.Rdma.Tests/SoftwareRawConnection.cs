using Orion.Transport.Rdma.Software;
using Orion.Transport.Rdma.Verbs;
using Orion.Transport.Tests.Conformance;

namespace Orion.Transport.Rdma.Tests;

/// <summary>
/// A software-verbs peer that does the RDMA transport's connection handshake correctly, then posts
/// whatever bytes a test gives it as one SEND: the way to put invalid frames in front of a server.
/// </summary>
internal sealed class SoftwareRawConnection : RawConnection
{
    private const int Buffers = 8;
    private const int BufferSize = 4096;

    private readonly IVerbsEndpoint _endpoint;
    private readonly RegisteredSlab _send;

    private SoftwareRawConnection(IVerbsEndpoint endpoint, RegisteredSlab send)
    {
        _endpoint = endpoint;
        _send = send;
    }

    public static SoftwareRawConnection Connect(SoftwareVerbsProvider provider, TransportEndpoint endpoint)
    {
        var caps = new QueueCapacities { MaxSendRequests = 16, MaxReceiveRequests = Buffers, MaxInlineData = 0, CompletionQueueEntries = 64 };
        var qp = provider.CreateClient(endpoint.Host, endpoint.Port, ref caps, TimeSpan.FromSeconds(10));
        var receives = new RegisteredSlab(qp, Buffers, BufferSize, AccessFlags.LocalWrite);
        var slots = new RegisteredSlab(qp, 1, BufferSize, AccessFlags.LocalWrite | AccessFlags.RemoteWrite);
        var send = new RegisteredSlab(qp, 1, BufferSize, AccessFlags.LocalWrite);
        RdmaConnection.PostAllReceives(qp, receives);
        Span<byte> local = stackalloc byte[ConnectionParameters.Size];
        new ConnectionParameters(Buffers, BufferSize, 1, BufferSize, slots.Region.RemoteKey, (ulong)slots.Address).Write(local);
        Span<byte> peer = stackalloc byte[56];
        qp.Connect(local, peer, out _, TimeSpan.FromSeconds(10));
        return new SoftwareRawConnection(qp, send);
    }

    /// <summary>The bytes of a valid frame header, for tests that announce something bad.</summary>
    public static byte[] Frame(RdmaFrameKind kind, long length)
    {
        var bytes = new byte[RdmaFrameHeader.Size];
        new RdmaFrameHeader(kind, 0, 0, length).Write(bytes);
        return bytes;
    }

    /// <summary>Not a receive buffer's index (those are its work request ids).</summary>
    private const ulong SendRequestId = ulong.MaxValue;

    public override ValueTask SendAsync(ReadOnlyMemory<byte> bytes)
    {
        bytes.Span.CopyTo(_send.Span(0));
        var request = new SendWorkRequest
        {
            WorkRequestId = SendRequestId,
            LocalAddress = (ulong)_send.Address,
            Length = (uint)bytes.Length,
            LocalKey = _send.Region.LocalKey,
            Opcode = WorkRequestOpcode.Send,
            Flags = SendFlags.Signaled,
        };
        Assert.Equal(0, _endpoint.PostSend([request], out _));
        // The software provider completes at post time; the server may already have failed the
        // connection, flushing our receives, and those completions can come before or after the
        // send's (seen in a CI run): look for the send's own.
        Span<WorkCompletion> completions = stackalloc WorkCompletion[Buffers + 4];
        var count = _endpoint.PollCompletions(completions);
        var sendStatus = (CompletionStatus?)null;
        foreach (var completion in completions[..Math.Max(count, 0)])
        {
            if (completion.WorkRequestId == SendRequestId)
            {
                sendStatus = completion.Status;
            }
        }
        Assert.Equal(CompletionStatus.Success, sendStatus);
        return ValueTask.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        _endpoint.Dispose();
        return ValueTask.CompletedTask;
    }
}
