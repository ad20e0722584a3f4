using Orion.Cuda.Protocol.Calls;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Sessions.Calls;
using Orion.Transport;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// Runs the records of one message: the generated half (<c>CallDispatcher.Dispatch.g.cs</c>) decodes
/// each record against the call's description and hands it to its area's handler; this half keeps
/// the reply buffer, the latched asynchronous error and the bulk data of the call in flight.
/// </summary>
[RemoteCallDispatcher]
internal sealed partial class CallDispatcher : IDisposable
{
    private readonly IDeviceCalls _device;
    private readonly IMemoryCalls _memory;
    private readonly IModuleCalls _modules;
    private readonly IStreamCalls _streams;
    private readonly IEventCalls _events;
    private readonly IMemoryPoolCalls _memoryPools;
    private readonly ILaunchCalls _launches;
    private readonly IArrayCalls _arrays;
    private readonly IGraphCalls _graphs;
    private readonly IMonitoringCalls _monitoring;
    private readonly IVirtualMemoryCalls _virtualMemory;
    private readonly ProtocolWriter _replies;
    private readonly Action _flush;
    private readonly SessionIncomingData _incoming;
    private readonly SessionOutgoingData _outgoing;
    private CudaStatus _latched;

    /// <summary>
    /// Replies go into <paramref name="replies"/>, the session's buffer, which <paramref name="flush"/>
    /// writes out under <paramref name="sendGate"/>; <paramref name="sendGateReleased"/> runs after a
    /// data reply gives the lock back (notifications may have queued meanwhile); host-function
    /// markers the GPU reaches go to <paramref name="hostFunctionReached"/>.
    /// </summary>
    public CallDispatcher(SessionObjects objects, TransportConnection connection, SendWatch sendWatch, ProtocolWriter replies, Lock sendGate, Action flush, Action sendGateReleased,
        Action<ulong> hostFunctionReached)
    {
        _replies = replies;
        _flush = flush;
        _device = new DeviceCallHandler(objects);
        _memory = new MemoryCallHandler(objects);
        _modules = new ModuleCallHandler(objects);
        _streams = new StreamCallHandler(objects, hostFunctionReached);
        _events = new EventCallHandler(objects);
        _memoryPools = new MemoryPoolCallHandler(objects);
        _launches = new LaunchCallHandler(objects);
        _arrays = new ArrayCallHandler(objects);
        _graphs = new GraphCallHandler(objects);
        _monitoring = new MonitoringCallHandler(objects);
        _virtualMemory = new VirtualMemoryCallHandler(objects);
        ChunkBytes = objects.Config.ChunkBytes;
        _incoming = new SessionIncomingData(connection, ChunkBytes);
        _outgoing = new SessionOutgoingData(this, connection, sendWatch, sendGate, sendGateReleased, ChunkBytes);
    }

    /// <summary>Sets up the session's bulk chunks as the handshake agreed: with <see cref="ProtocolFeatures.CompressedChunks"/> each
    /// chunk carries a header and may travel LZ4-compressed, every one when the client asked for it, else where it pays.</summary>
    public void UseFeatures(ProtocolFeatures features)
    {
        if ((features & ProtocolFeatures.CompressedChunks) == 0)
        {
            return;
        }
        var mode = (features & ProtocolFeatures.CompressEveryChunk) != 0 ? ChunkCompression.On : ChunkCompression.Auto;
        _incoming.UseCompressedChunks();
        _outgoing.UseCompressedChunks(mode);
    }

    /// <summary>Runs every record of <paramref name="message"/>, then sends the replies they produced.</summary>
    /// <exception cref="ProtocolException">A record is malformed: the session ends.</exception>
    public void Execute(ReadOnlySpan<byte> message)
    {
        var reader = new ProtocolReader(message);
        if (reader.IsAtEnd)
        {
            throw new ProtocolException("empty message");
        }
        while (!reader.IsAtEnd)
        {
            var header = RequestHeader.Read(ref reader);
            var body = new ProtocolReader(reader.ReadSpan(header.BodyLength));
            Dispatch(header, ref body);
        }
        _flush();
    }

    // ---- what the generated decoders call ----

    private ProtocolWriter Replies => _replies;

    private static void RequireReply(in RequestHeader header, string call)
    {
        if (header.RequestId == 0)
        {
            throw new ProtocolException($"{call} needs a request id: its result goes with a reply");
        }
    }

    private static void RequireNoReply(in RequestHeader header, string call)
    {
        if (header.RequestId != 0)
        {
            throw new ProtocolException($"{call} is asynchronous and has no reply; its record carries request id {header.RequestId}");
        }
    }

    /// <summary>Starts a reply carrying the call's status and the first error latched since the last reply; returns where its body starts.</summary>
    private int BeginReply(in RequestHeader header, CudaStatus status)
    {
        var latched = _latched;
        _latched = CudaStatus.Success;
        return ReplyHeader.BeginRecord(_replies, ReplyKind.Reply, header.RequestId, status, latched);
    }

    private void EndReply(int bodyStart) => ReplyHeader.EndRecord(_replies, bodyStart);

    /// <summary>Keeps the first failure of an asynchronous call for the next reply, as CUDA reports it at the next synchronizing call.</summary>
    internal void Latch(CudaStatus status)
    {
        if (status != CudaStatus.Success && _latched == CudaStatus.Success)
        {
            _latched = status;
        }
    }

    /// <summary>The session's bulk chunk size, by which both sides cut a call's data (<see cref="BulkLayout"/>).</summary>
    private int ChunkBytes { get; }

    private SessionIncomingData BeginIncoming(BulkLayout layout, ref ProtocolReader record)
    {
        _incoming.Begin(layout, ref record);
        return _incoming;
    }

    private void EndIncoming() => _incoming.DiscardRest();

    private SessionOutgoingData BeginOutgoing(in RequestHeader header, BulkLayout layout)
    {
        _outgoing.Begin(header, layout);
        return _outgoing;
    }

    private void EndOutgoing(in RequestHeader header, CudaStatus status) => _outgoing.End(header, status);

    /// <summary>The reply that announces a call's data (or its failure, with none): the body is the byte count.</summary>
    internal void ReplyWithData(in RequestHeader header, CudaStatus status, ulong bytes)
    {
        var start = BeginReply(header, status);
        _replies.WriteUInt64(bytes);
        EndReply(start);
        _flush();
    }

    /// <summary>The reply that carries a call's data itself (small data): the byte count, then the bytes.</summary>
    internal void ReplyWithInlineData(in RequestHeader header, ReadOnlySpan<byte> data)
    {
        var start = BeginReply(header, CudaStatus.Success);
        _replies.WriteUInt64((ulong)data.Length);
        _replies.WriteSpan(data);
        EndReply(start);
        _flush();
    }

    public void Dispose()
    {
        _incoming.Dispose();
        _outgoing.Dispose();
    }
}
