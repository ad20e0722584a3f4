using System.Collections.Concurrent;
using System.IO.Pipelines;
using Orion.Transport.Streams;

namespace Orion.Transport.InMemory;

/// <summary>
/// A transport inside one process, for tests and for running client and server together:
/// endpoints are <c>inproc://name</c>. It speaks the same framing as TCP over in-memory pipes, so
/// limits, errors, close/abort, idle timeout and backpressure behave as they do on a socket.
/// </summary>
/// <remarks>Listeners are registered per <see cref="InMemoryTransport"/> instance: the client and
/// the server must use the same instance (e.g. through one <see cref="TransportFactory"/>).</remarks>
public sealed class InMemoryTransport : ITransport
{
    public const string Scheme = "inproc";

    private readonly ConcurrentDictionary<string, InMemoryListener> _listeners = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Schemes { get; } = [Scheme];

    public bool IsAvailable(out string reason)
    {
        reason = "";
        return true;
    }

    public ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
    {
        CheckArguments(endpoint, options);
        cancellationToken.ThrowIfCancellationRequested();
        var listener = new InMemoryListener(this, endpoint, options);
        if (!_listeners.TryAdd(endpoint.Host, listener))
        {
            throw new TransportException(TransportError.Unavailable, $"{endpoint} is already listening.");
        }
        return ValueTask.FromResult<TransportListener>(listener);
    }

    public ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
    {
        CheckArguments(endpoint, options);
        cancellationToken.ThrowIfCancellationRequested();
        var listener = FindListener(endpoint);
        var toServer = CreatePipe(options, listener.Options);
        var toClient = CreatePipe(listener.Options, options);
        var clientEndpoint = new TransportEndpoint(Scheme, $"{endpoint.Host}-client-{listener.NextConnectionId()}", 0);
        var client = new InMemoryConnection(toClient.Reader, toServer.Writer, options, clientEndpoint, endpoint);
        var server = new InMemoryConnection(toServer.Reader, toClient.Writer, listener.Options, endpoint, clientEndpoint);
        InMemoryConnection.Pair(client, server);
        listener.Enqueue(server);
        return ValueTask.FromResult<TransportConnection>(client);
    }

    /// <summary>Connects without a client connection: the caller writes raw bytes to the server
    /// (tests use it to send garbage and oversized frames) and reads what the server writes.</summary>
    internal (PipeWriter ToServer, PipeReader FromServer) ConnectRaw(TransportEndpoint endpoint, TransportOptions clientOptions)
    {
        CheckArguments(endpoint, clientOptions);
        var listener = FindListener(endpoint);
        var toServer = CreatePipe(clientOptions, listener.Options);
        var toClient = CreatePipe(listener.Options, clientOptions);
        var clientEndpoint = new TransportEndpoint(Scheme, $"{endpoint.Host}-raw-{listener.NextConnectionId()}", 0);
        listener.Enqueue(new InMemoryConnection(toServer.Reader, toClient.Writer, listener.Options, endpoint, clientEndpoint));
        return (toServer.Writer, toClient.Reader);
    }

    internal void Remove(InMemoryListener listener)
        => _listeners.TryRemove(new KeyValuePair<string, InMemoryListener>(listener.Endpoint.Host, listener));

    private InMemoryListener FindListener(TransportEndpoint endpoint)
        => _listeners.TryGetValue(endpoint.Host, out var listener)
            ? listener
            : throw new TransportException(TransportError.ConnectFailed, $"Nothing is listening on {endpoint}.");

    /// <summary>The pipe pauses the writer once this much is unread (backpressure). It must hold a
    /// whole message of the reader's maximum size, or a reader waiting for the rest of a message and
    /// a writer waiting for room would wait on each other forever.</summary>
    private static Pipe CreatePipe(TransportOptions writer, TransportOptions reader)
    {
        long pauseAt = Math.Max(writer.MaxPendingSendBytes, (long)reader.MaxMessageSize + StreamFrameHeader.Size + 1);
        return new Pipe(new PipeOptions(
            pauseWriterThreshold: pauseAt,
            resumeWriterThreshold: pauseAt / 2,
            minimumSegmentSize: 16 * 1024,
            useSynchronizationContext: false));
    }

    private static void CheckArguments(TransportEndpoint endpoint, TransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!string.Equals(endpoint.Scheme, Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new TransportException(TransportError.Unavailable, $"The in-memory transport serves inproc:// endpoints, not {endpoint}.");
        }
    }
}
