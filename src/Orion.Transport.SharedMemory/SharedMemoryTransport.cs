using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// The shared-memory transport, <c>shm:///path/to/socket</c> or <c>shm://host:port</c> (this host; see
/// <see cref="SharedMemoryEndpoints"/>): for a client on the server's own machine, or in a container
/// beside it. The listener is a Unix domain socket; a connecting client creates the connection's
/// segment (a sealed memfd) and passes it over the socket (SCM_RIGHTS), and from then on messages
/// and bulk data go through the segment's two rings, the socket carrying only wake-ups for sleeping
/// asynchronous waiters and the end of the connection. Linux only.
/// </summary>
public sealed class SharedMemoryTransport : ITransport
{
    public const string Scheme = "shm";

    private static readonly Lazy<string?> s_unavailableReason = new(ProbeUnavailableReason);

    public SharedMemoryTransport(SharedMemoryTransportSettings? settings = null)
    {
        Settings = settings ?? new SharedMemoryTransportSettings();
        Settings.Validate();
    }

    public SharedMemoryTransportSettings Settings { get; }

    internal ILogger Logger => Settings.Logger ?? NullLogger.Instance;

    public IReadOnlyList<string> Schemes { get; } = [Scheme];

    public bool IsAvailable(out string reason)
    {
        reason = s_unavailableReason.Value ?? "";
        return s_unavailableReason.Value is null;
    }

    /// <summary>The Unix socket of <paramref name="endpoint"/> under these settings.</summary>
    public string SocketPath(TransportEndpoint endpoint) => SharedMemoryEndpoints.SocketPath(endpoint, Settings.EffectiveSocketDirectory);

    public ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
    {
        var path = CheckArguments(endpoint, options, listening: true);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<TransportListener>(SharedMemoryListener.Start(this, endpoint, path, options));
    }

    public async ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
    {
        var path = CheckArguments(endpoint, options, listening: false);
        cancellationToken.ThrowIfCancellationRequested();
        // Setup blocks (connect, one record each way, bounded by ConnectTimeout): on a thread of its own,
        // neither the caller's nor the pool's (a burst of connects would otherwise starve the pool).
        var connecting = Task.Factory.StartNew(() => Connect(endpoint, path, options), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return await connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = connecting.ContinueWith(static task => task.Result.Abort("the connect was cancelled"), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    private SharedMemoryConnection Connect(TransportEndpoint endpoint, string path, TransportOptions options)
    {
        var (socket, mapping) = SetUpAsClient(endpoint, path, options);
        var local = new TransportEndpoint(Scheme, $"pid-{Environment.ProcessId}", 0);
        return SharedMemoryConnection.Create(socket, mapping, isClient: true, options, Settings, local, endpoint);
    }

    /// <summary>Sets a connection up without a connection object: the caller writes raw bytes into the
    /// client's ring (tests use it to send garbage and oversized frames). Dispose ends it, as a crash would.</summary>
    internal RawSharedMemoryClient ConnectRaw(TransportEndpoint endpoint, TransportOptions options)
    {
        var path = CheckArguments(endpoint, options, listening: false);
        var (socket, mapping) = SetUpAsClient(endpoint, path, options);
        return new RawSharedMemoryClient(socket, mapping);
    }

    private (FileDescriptorHandle Socket, SegmentMapping Mapping) SetUpAsClient(TransportEndpoint endpoint, string path, TransportOptions options)
    {
        FileDescriptorHandle? socket = null;
        SegmentMapping? mapping = null;
        try
        {
            socket = UnixSocket.Create();
            UnixSocket.SetTimeouts(socket, options.ConnectTimeout);
            try
            {
                UnixSocket.Connect(socket, path);
            }
            catch (NativeCallException exception)
            {
                throw new TransportException(TransportError.ConnectFailed, $"Cannot connect to {endpoint} (socket {path}): {exception.Message}", exception);
            }
            var capacity = Settings.RingCapacity;
            using (var segment = MemoryFile.Create("orion-shm", SegmentLayout.SegmentLength(capacity)))
            {
                mapping = SegmentMapping.Map(segment, capacity);
                Span<byte> hello = stackalloc byte[SetupRecords.HelloLength];
                SetupRecords.WriteHello(hello, capacity);
                UnixSocket.SendRecord(socket, hello, segment);
            }
            Span<byte> answer = stackalloc byte[SetupRecords.MaxAnswerLength];
            var length = UnixSocket.ReceiveRecord(socket, answer, out var unexpected);
            unexpected?.Dispose();
            if (length == 0)
            {
                throw new TransportException(TransportError.ConnectFailed, $"{endpoint} closed the connection during setup (socket {path}).");
            }
            if (SetupRecords.ReadAnswer(answer[..length]) is { } refusal)
            {
                throw new TransportException(TransportError.ConnectFailed, $"{endpoint}: {refusal}");
            }
            UnixSocket.SetTimeouts(socket, TimeSpan.Zero);
            var server = UnixSocket.PeerCredentials(socket);
            SharedMemoryLog.Connected(Logger, path, server.ProcessId, server.UserId, server.GroupId);
            var result = (socket, mapping);
            socket = null;
            mapping = null;
            return result;
        }
        catch (NativeCallException exception)
        {
            // EAGAIN here is the socket timeout: the server did not answer within ConnectTimeout.
            throw new TransportException(TransportError.ConnectFailed, exception.Errno == LinuxMethods.EAGAIN
                ? $"{endpoint} did not complete the shared-memory setup within {options.ConnectTimeout.TotalSeconds:0.###} s."
                : $"Shared-memory setup with {endpoint} failed: {exception.Message}", exception);
        }
        finally
        {
            socket?.Dispose();
            mapping?.Dispose();
        }
    }

    private string CheckArguments(TransportEndpoint endpoint, TransportOptions options, bool listening)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!string.Equals(endpoint.Scheme, Scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new TransportException(TransportError.Unavailable, $"The shared-memory transport serves shm:// endpoints, not {endpoint}.");
        }
        if (!IsAvailable(out var reason))
        {
            throw new TransportException(TransportError.Unavailable, $"Shared memory is not available on this host: {reason}");
        }
        if (!endpoint.Host.StartsWith('/') && !SharedMemoryEndpoints.IsThisHost(endpoint.Host))
        {
            throw new TransportException(listening ? TransportError.Unavailable : TransportError.ConnectFailed,
                $"{endpoint} is not on this host: shared memory reaches only processes on the same machine.");
        }
        var path = SocketPath(endpoint);
        if (System.Text.Encoding.UTF8.GetByteCount(path) > UnixSocket.MaxPathBytes)
        {
            throw new TransportException(TransportError.Unavailable, $"The socket path '{path}' is longer than {UnixSocket.MaxPathBytes} bytes.");
        }
        return path;
    }

    /// <summary>Why shared memory cannot work here, or null: Linux, a known futex call, and memfd_create that works (seccomp may forbid it).</summary>
    private static string? ProbeUnavailableReason()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the shared-memory transport needs Linux";
        }
        if (!LinuxMethods.FutexSupported)
        {
            return "no futex system call is known for this architecture";
        }
        try
        {
            using var probe = MemoryFile.Create("orion-shm-probe", SegmentLayout.PageSize);
            return null;
        }
        catch (NativeCallException exception)
        {
            return $"memfd_create is not usable: {exception.Message}";
        }
        catch (EntryPointNotFoundException)
        {
            return "the C library has no memfd_create (glibc 2.27 or later is needed)";
        }
    }
}
