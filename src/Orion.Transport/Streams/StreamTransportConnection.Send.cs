using System.Runtime.CompilerServices;

namespace Orion.Transport.Streams;

/// <content>
/// Sending: one frame at a time under the send lock. A write the stream finishes at once (the usual
/// case while its buffer has room) completes the call synchronously; one that has to wait runs on
/// the reusable <see cref="SendOperation"/> (see <see cref="LockedOperation{TResult}"/> for why),
/// so that a send allocates nothing either way.
/// </content>
public abstract partial class StreamTransportConnection
{
    private readonly SendOperation _send;

    public sealed override ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (message.Length > Options.MaxMessageSize)
        {
            // Local misuse: the connection stays usable.
            throw new TransportException(TransportError.FrameTooLarge,
                $"Message of {message.Length} bytes exceeds MaxMessageSize ({Options.MaxMessageSize} bytes).");
        }
        return SendFrame(StreamFrameKind.Message, message, cancellationToken);
    }

    public sealed override ValueTask SendBulkAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (data.Length > StreamFrameHeader.MaxBulkLength(Options))
        {
            throw new TransportException(TransportError.FrameTooLarge,
                $"Bulk transfer of {data.Length} bytes exceeds MaxBulkSize ({StreamFrameHeader.MaxBulkLength(Options)} bytes).");
        }
        return SendFrame(StreamFrameKind.Bulk, data, cancellationToken);
    }

    private ValueTask SendFrame(StreamFrameKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (_fault is not null)
        {
            return ValueTask.FromException(FailureException());
        }
        if (!_sendLock.Wait(0, CancellationToken.None))
        {
            return SendFrameWhenFreeAsync(kind, payload, cancellationToken);
        }
        return _send.Start(kind, payload, cancellationToken);
    }

    /// <summary>Another send is in progress (or a keepalive): waits for it, cancellably, then sends.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendFrameWhenFreeAsync(StreamFrameKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _send.Start(kind, payload, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One frame written to the stream, started with the send lock held. The lock is released at
    /// once when the write completes synchronously, else when the caller takes the result.
    /// </summary>
    private sealed class SendOperation : LockedOperation<bool>
    {
        private readonly StreamTransportConnection _connection;
        private readonly Action _onWritten;
        private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _write;
        private CancellationToken _cancellationToken;

        public SendOperation(StreamTransportConnection connection)
            : base(connection._sendLock)
        {
            _connection = connection;
            _onWritten = OnWritten;
        }

        public ValueTask Start(StreamFrameKind kind, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        {
            var connection = _connection;
            ValueTask write;
            try
            {
                connection.ThrowIfFailed();
                write = connection.FrameAndWriteAsync(kind, payload, cancellationToken);
            }
#pragma warning disable CA1031 // Every failure becomes the send's result.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                connection._sendLock.Release();
                return ValueTask.FromException(ToSendError(exception, cancellationToken));
            }
            if (write.IsCompleted)
            {
                try
                {
                    write.GetAwaiter().GetResult();
                    Volatile.Write(ref connection._lastOutputTicks, Environment.TickCount64);
                    return ValueTask.CompletedTask;
                }
#pragma warning disable CA1031 // As above.
                catch (Exception exception)
#pragma warning restore CA1031
                {
                    return ValueTask.FromException(ToSendError(exception, cancellationToken));
                }
                finally
                {
                    connection._sendLock.Release();
                }
            }
            var token = Begin();
            _cancellationToken = cancellationToken;
            _write = write.ConfigureAwait(false).GetAwaiter();
            _write.UnsafeOnCompleted(_onWritten);
            return new ValueTask(this, token);
        }

        private void OnWritten()
        {
            var write = _write;
            _write = default;
            try
            {
                write.GetResult();
            }
#pragma warning disable CA1031 // As above.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Complete(ToSendError(exception, _cancellationToken));
                return;
            }
            Volatile.Write(ref _connection._lastOutputTicks, Environment.TickCount64);
            Complete(true);
        }

        /// <summary>What the caller of a failed send sees; a failure of the stream fails the connection.</summary>
        private Exception ToSendError(Exception exception, CancellationToken cancellationToken)
        {
            var connection = _connection;
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested && connection._fault is null)
            {
                // Part of a frame may be out: the stream is no longer framed, so the connection ends.
                connection.Fail(new TransportException(TransportError.ConnectionAborted, "A send was cancelled in the middle of a frame; the connection was aborted."));
                return exception;
            }
            return connection.Fail(exception);
        }
    }
}
