using System.Threading.Channels;

namespace Orion.Transport.InMemory;

/// <summary>The accept queue of one <c>inproc://name</c> endpoint.</summary>
internal sealed class InMemoryListener : TransportListener
{
    /// <summary>Connections waiting to be accepted; beyond this a connect fails, as a full TCP backlog would.</summary>
    private const int Backlog = 1024;

    private readonly InMemoryTransport _transport;
    private readonly Channel<InMemoryConnection> _pending = Channel.CreateBounded<InMemoryConnection>(
        new BoundedChannelOptions(Backlog) { SingleWriter = false, SingleReader = false, FullMode = BoundedChannelFullMode.Wait });
    private long _connectionCount;

    public InMemoryListener(InMemoryTransport transport, TransportEndpoint endpoint, TransportOptions options)
    {
        _transport = transport;
        Endpoint = endpoint;
        Options = options;
    }

    public override TransportEndpoint Endpoint { get; }

    public TransportOptions Options { get; }

    public long NextConnectionId() => Interlocked.Increment(ref _connectionCount);

    public void Enqueue(InMemoryConnection connection)
    {
        if (!_pending.Writer.TryWrite(connection))
        {
            connection.Abort("refused by the listener");
            throw new TransportException(TransportError.ConnectFailed, $"{Endpoint} refused the connection (stopped, or its accept backlog is full).");
        }
    }

    public override async ValueTask<TransportConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _pending.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(InMemoryListener), $"The listener on {Endpoint} is stopped.");
        }
    }

    public override ValueTask DisposeAsync()
    {
        _transport.Remove(this);
        _pending.Writer.TryComplete();
        // Connections nobody accepted: their clients see a reset, as with a closed TCP backlog.
        while (_pending.Reader.TryRead(out var orphan))
        {
            orphan.Abort("the listener stopped before accepting the connection");
        }
        return ValueTask.CompletedTask;
    }
}
