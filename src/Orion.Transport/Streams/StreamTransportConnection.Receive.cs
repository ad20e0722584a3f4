using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Orion.Transport.Streams;

/// <content>
/// Receiving: <see cref="ReceiveAsync"/> and <see cref="ReceiveBulkAsync"/> run one reusable
/// <see cref="ReceiveOperation"/> (see <see cref="LockedOperation{TResult}"/> for why), so that a
/// receive allocates nothing.
/// </content>
public abstract partial class StreamTransportConnection
{
    private readonly ReceiveOperation _receive;

    public sealed override ValueTask<ReadOnlySequence<byte>> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        if (_fault is not null)
        {
            return ValueTask.FromException<ReadOnlySequence<byte>>(FailureException());
        }
        if (!_receiveLock.Wait(0, CancellationToken.None))
        {
            return ReceiveWhenFreeAsync(cancellationToken);
        }
        return new ValueTask<ReadOnlySequence<byte>>(_receive, _receive.Start(bulkDestination: null, cancellationToken));
    }

    public sealed override ValueTask ReceiveBulkAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_fault is not null)
        {
            return ValueTask.FromException(FailureException());
        }
        if (!_receiveLock.Wait(0, CancellationToken.None))
        {
            return ReceiveBulkWhenFreeAsync(destination, cancellationToken);
        }
        return new ValueTask(_receive, _receive.Start(destination, cancellationToken));
    }

    public sealed override ReadOnlySequence<byte> Receive(CancellationToken cancellationToken = default)
    {
        if (!ReadsCanBlock || _fault is not null || !_receiveLock.Wait(0, CancellationToken.None))
        {
            return base.Receive(cancellationToken); // another receive holds the stream: wait for it as usual
        }
        _receiveMayBlock = true; // cleared by the operation when it finishes, under the lock
        return BlockingWait.Wait(new ValueTask<ReadOnlySequence<byte>>(_receive, _receive.Start(bulkDestination: null, cancellationToken)));
    }

    public sealed override void ReceiveBulk(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (!ReadsCanBlock || _fault is not null || !_receiveLock.Wait(0, CancellationToken.None))
        {
            base.ReceiveBulk(destination, cancellationToken);
            return;
        }
        _receiveMayBlock = true;
        BlockingWait.Wait(new ValueTask(_receive, _receive.Start(destination, cancellationToken)));
    }

    /// <summary>Another receive is in progress: waits for it (cancellable; nothing is consumed while waiting).</summary>
    private async ValueTask<ReadOnlySequence<byte>> ReceiveWhenFreeAsync(CancellationToken cancellationToken)
    {
        await _receiveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return await new ValueTask<ReadOnlySequence<byte>>(_receive, _receive.Start(bulkDestination: null, cancellationToken)).ConfigureAwait(false);
    }

    private async ValueTask ReceiveBulkWhenFreeAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        await _receiveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        await new ValueTask(_receive, _receive.Start(destination, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// One receive, from the frame header to the end of its payload: reads the input until a whole
    /// frame is there (or, for a large message or a bulk transfer, its header), then the rest of
    /// the payload straight from the stream. Runs as a loop that steps synchronously while data is
    /// at hand and resumes from the reader's or the stream's completion when it had to wait.
    /// Started with the receive lock held; the lock is released when the caller takes the result.
    /// </summary>
    private sealed class ReceiveOperation : LockedOperation<ReadOnlySequence<byte>>
    {
        private readonly StreamTransportConnection _connection;
        private readonly Action _resume;
        private ConfiguredValueTaskAwaitable<ReadResult>.ConfiguredValueTaskAwaiter _inputRead;
        private ConfiguredValueTaskAwaitable<int>.ConfiguredValueTaskAwaiter _payloadPartRead;
        /// <summary>The read of the current phase (<see cref="_inputRead"/> or <see cref="_payloadPartRead"/>)
        /// is stored and its completion resumes <see cref="Run"/>, which takes its result first.</summary>
        private bool _resuming;

        private CancellationToken _cancellationToken;
        private bool _bulk;
        /// <summary>Where the payload goes once the header is read: the caller's buffer (bulk) or the
        /// connection's large-message buffer.</summary>
        private Memory<byte> _destination;
        private int _copied;
        /// <summary>The header is consumed and the payload not yet complete: from here, a failure or a
        /// cancellation leaves the stream unframed.</summary>
        private bool _readingPayload;

        public ReceiveOperation(StreamTransportConnection connection)
            : base(connection._receiveLock)
        {
            _connection = connection;
            _resume = Run;
        }

        /// <summary>Starts a receive of a message (<paramref name="bulkDestination"/> null) or of a
        /// bulk transfer into <paramref name="bulkDestination"/>; returns the token of the task.</summary>
        public short Start(Memory<byte>? bulkDestination, CancellationToken cancellationToken)
        {
            var token = Begin();
            _cancellationToken = cancellationToken;
            _bulk = bulkDestination.HasValue;
            _destination = bulkDestination.GetValueOrDefault();
            _copied = 0;
            _readingPayload = false;
            _resuming = false;
            try
            {
                _connection.ThrowIfFailed();
                _connection.ConsumeOutstandingMessage();
            }
#pragma warning disable CA1031 // Every failure becomes the receive's result.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Fail(exception);
                return token;
            }
            Run();
            return token;
        }

        /// <summary>Steps until the receive completes or has to wait; never throws. Also the
        /// continuation of a read that had to wait: it then starts with that read's result.</summary>
        private void Run()
        {
            try
            {
                while (true)
                {
                    bool completed;
                    if (!_readingPayload)
                    {
                        ReadResult input;
                        if (_resuming)
                        {
                            _resuming = false;
                            var read = _inputRead;
                            _inputRead = default;
                            input = read.GetResult();
                        }
                        else
                        {
                            var read = _connection.StartRead(_cancellationToken);
                            if (!read.IsCompleted)
                            {
#pragma warning disable CA2012 // Consumed once, through the stored awaiter.
                                _inputRead = (_connection.InputCompletesInline ? read : PassThroughAsync(read)).ConfigureAwait(false).GetAwaiter();
#pragma warning restore CA2012
                                _resuming = true;
                                _inputRead.UnsafeOnCompleted(_resume);
                                return;
                            }
                            input = read.Result;
                        }
                        completed = TakeInput(_connection.FinishRead(input));
                    }
                    else
                    {
                        int received;
                        if (_resuming)
                        {
                            _resuming = false;
                            var part = _payloadPartRead;
                            _payloadPartRead = default;
                            received = part.GetResult();
                        }
                        else
                        {
                            var part = _connection.ReadPayloadPartAsync(_destination[_copied..], _cancellationToken);
                            if (!part.IsCompleted)
                            {
                                _payloadPartRead = part.ConfigureAwait(false).GetAwaiter();
                                _resuming = true;
                                _payloadPartRead.UnsafeOnCompleted(_resume);
                                return;
                            }
                            received = part.Result;
                        }
                        completed = TakePayloadPart(_connection.CountPayloadPart(received));
                    }
                    if (completed)
                    {
                        return; // nothing may be touched after the result is published
                    }
                }
            }
#pragma warning disable CA1031 // As above.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Fail(exception);
            }
        }

        /// <summary>Awaits a read through an async method. A pipe queues a waiting reader's continuation
        /// to the thread pool, which allocates a work item per queued delegate but queues an async
        /// method's state machine as it is; a pooled state machine usually costs nothing.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private static async ValueTask<ReadResult> PassThroughAsync(ValueTask<ReadResult> read) => await read.ConfigureAwait(false);

        /// <summary>Looks at what the input holds: true when the receive completed (nothing may be
        /// touched after that), false to read on (more input, or the payload from the stream).</summary>
        private bool TakeInput(in ReadResult result)
        {
            var connection = _connection;
            var buffer = connection.SkipOutstandingMessage(result.Buffer);
            if (StreamFrameHeader.TryRead(buffer, connection.Options, connection.MaxIncomingMessageSize, out var header))
            {
                if (connection.ConsumedControlFrame(header, buffer))
                {
                    return false;
                }
                if (_bulk)
                {
                    return TakeBulkHeader(header, buffer);
                }
                if (header.Kind == StreamFrameKind.Bulk)
                {
                    throw new TransportException(TransportError.UnexpectedFrame,
                        $"A bulk transfer of {header.Length} bytes arrived where a message was expected.");
                }
                if (buffer.Length - StreamFrameHeader.Size >= header.Length)
                {
                    var payload = buffer.Slice(StreamFrameHeader.Size, header.Length);
                    // The caller reads the payload in place, so it is consumed only at the next
                    // receive; it is marked examined now, because a pipe counts unexamined bytes
                    // against its writer and a sender must not wait for this side's next receive
                    // to finish its send.
                    connection._input.AdvanceTo(buffer.Start, payload.End);
                    connection._outstandingMessageBytes = StreamFrameHeader.Size + header.Length;
                    Succeed(payload);
                    return true;
                }
                if (connection.CanReadDirect && StreamFrameHeader.Size + (long)header.Length > connection.InputBufferSize)
                {
                    // A large message: what the input holds is copied, the rest is read from the
                    // stream straight into the same contiguous buffer.
                    _destination = connection.DirectMessageBuffer((int)header.Length);
                    return BeginPayload(buffer);
                }
            }
            connection.WaitForMoreInput(result, buffer);
            return false;
        }

        private bool TakeBulkHeader(in StreamFrameHeader header, in ReadOnlySequence<byte> buffer)
        {
            if (header.Kind == StreamFrameKind.Message)
            {
                throw new TransportException(TransportError.UnexpectedFrame,
                    $"A message of {header.Length} bytes arrived where a bulk transfer of {_destination.Length} bytes was expected.");
            }
            if (header.Length != (uint)_destination.Length)
            {
                throw new TransportException(TransportError.UnexpectedFrame,
                    $"A bulk transfer of {header.Length} bytes arrived where one of {_destination.Length} bytes was expected.");
            }
            return BeginPayload(buffer);
        }

        /// <summary>The header at the front of <paramref name="buffer"/> announced a payload for
        /// <see cref="_destination"/>: takes what the input holds of it; the rest comes from the stream.</summary>
        private bool BeginPayload(in ReadOnlySequence<byte> buffer)
        {
            _readingPayload = true; // the header is consumed with the first copy
            _copied = _connection.CopyBuffered(buffer.Slice(StreamFrameHeader.Size), _destination.Span);
            return TakePayloadPart(0);
        }

        private bool TakePayloadPart(int read)
        {
            _copied += read;
            if (_copied < _destination.Length)
            {
                return false;
            }
            Succeed(_bulk ? default : new ReadOnlySequence<byte>(_destination));
            return true;
        }

        private void Succeed(ReadOnlySequence<byte> result)
        {
            Finish();
            Complete(result);
        }

        private void Fail(Exception exception)
        {
            var connection = _connection;
            Exception error;
            if (exception is OperationCanceledException && _cancellationToken.IsCancellationRequested && connection._fault is null)
            {
                if (_readingPayload)
                {
                    // Part of a frame is consumed: the stream is no longer framed.
                    connection.Fail(new TransportException(TransportError.ConnectionAborted, _bulk
                        ? "A bulk receive was cancelled in the middle of the transfer; the connection was aborted."
                        : "A receive was cancelled in the middle of a large message; the connection was aborted."));
                }
                error = exception; // Otherwise nothing was consumed: the connection stays usable.
            }
            else
            {
                error = connection.Fail(exception);
            }
            Finish();
            Complete(error);
        }

        private void Finish()
        {
            _connection._receiveMayBlock = false;
            if (_bulk)
            {
                _destination = default; // the caller's buffer: not ours to keep
            }
            _connection.EndWaitForInput();
        }
    }
}
