using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Orion.Transport.Streams;

namespace Orion.Transport.InMemory;

/// <summary>One end of an in-memory connection: framed bytes over two pipes, one per direction.</summary>
internal sealed class InMemoryConnection : StreamTransportConnection
{
    /// <summary>Payloads are flushed in pieces of this size, so a large one never sits whole in the
    /// pipe and the reader's pace throttles the writer.</summary>
    private const int FlushChunkSize = 256 * 1024;

    private readonly PipeWriter _output;
    private InMemoryConnection? _peer;

    public InMemoryConnection(PipeReader input, PipeWriter output, TransportOptions options, TransportEndpoint localEndpoint, TransportEndpoint remoteEndpoint)
        : base(input, options, localEndpoint, remoteEndpoint)
    {
        _output = output;
        StartTimer();
    }

    /// <summary>Links the two ends so an abort of one is seen by the other as a reset, as a TCP RST is.</summary>
    public static void Pair(InMemoryConnection first, InMemoryConnection second)
    {
        first._peer = second;
        second._peer = first;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    protected override async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        _output.Write(header.Span);
        while (true)
        {
            var chunk = payload[..Math.Min(payload.Length, FlushChunkSize)];
            payload = payload[chunk.Length..];
            _output.Write(chunk.Span);
            var flushed = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCanceled)
            {
                throw new TransportException(TransportError.ConnectionAborted, "The send was interrupted because the connection failed.");
            }
            if (flushed.IsCompleted)
            {
                throw new TransportException(TransportError.ConnectionReset, "The peer is no longer reading (it closed or aborted the connection).");
            }
            if (payload.IsEmpty)
            {
                return;
            }
        }
    }

    protected override void OnFailed(TransportError reason)
    {
        _output.CancelPendingFlush();
        if (reason != TransportError.ConnectionClosed)
        {
            _peer?.Fail(new TransportException(TransportError.ConnectionReset, "The peer aborted the connection."));
        }
    }

    protected override void ShutdownOutput() => _output.Complete();

    protected override void ReleaseStream()
    {
        // The output is completed by a graceful close; after an abort nobody reads it any more.
    }

    protected override TransportException TranslateException(Exception exception)
        => exception as TransportException
            ?? new TransportException(TransportError.ConnectionAborted, $"In-memory connection failed: {exception.Message}", exception);
}
