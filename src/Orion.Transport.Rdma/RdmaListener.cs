using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma;

/// <summary>
/// Accepts RDMA connections on a thread of its own (rdma_cm calls block); accepted connections
/// queue for <see cref="AcceptAsync"/>. A request that fails setup is rejected and the listener
/// goes on serving.
/// </summary>
internal sealed partial class RdmaListener : TransportListener
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly IVerbsListener _listener;
    private readonly TransportOptions _options;
    private readonly RdmaTransportSettings _settings;
    private readonly ILogger _logger;
    private readonly Channel<TransportConnection> _accepted = Channel.CreateBounded<TransportConnection>(
        new BoundedChannelOptions(128) { SingleReader = false, SingleWriter = true });
    private readonly Thread _acceptThread;
    private volatile bool _disposed;

    public RdmaListener(IVerbsListener listener, TransportEndpoint endpoint, TransportOptions options, RdmaTransportSettings settings, ILogger logger)
    {
        _listener = listener;
        _options = options;
        _settings = settings;
        _logger = logger;
        Endpoint = endpoint;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "orion-rdma-accept" };
        _acceptThread.Start();
    }

    public override TransportEndpoint Endpoint { get; }

    public override async ValueTask<TransportConnection> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(RdmaListener));
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await Task.Run(_acceptThread.Join).ConfigureAwait(false);
        _listener.Dispose();
        _accepted.Writer.TryComplete();
        // Connections accepted but never taken are ended: nobody else can reach them.
        while (_accepted.Reader.TryRead(out var orphan))
        {
            await orphan.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void AcceptLoop()
    {
        Span<byte> peerData = stackalloc byte[64];
        while (!_disposed)
        {
            IVerbsEndpoint? request = null;
            try
            {
                var capacities = RdmaConnectionSetup.Capacities(_settings);
                request = _listener.GetRequest(ref capacities, PollInterval, peerData, out var peerLength);
                if (request is null)
                {
                    continue;
                }
                var connection = RdmaConnectionSetup.Accept(request, peerData[..peerLength], Endpoint, _options, _settings, _logger);
                request = null;
                while (!_accepted.Writer.TryWrite(connection))
                {
                    if (_disposed)
                    {
                        connection.Abort("the listener stopped");
                        break;
                    }
                    Thread.Sleep(1); // the accept queue is full: wait for the application to drain it
                }
            }
#pragma warning disable CA1031 // one bad request must never stop the listener
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (request is not null)
                {
                    request.Reject();
                    request.Dispose();
                }
                if (!_disposed)
                {
                    LogRequestFailed(_logger, Endpoint, e.Message);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "RDMA listener {Endpoint} refused a connect request: {Reason}")]
    private static partial void LogRequestFailed(ILogger logger, TransportEndpoint endpoint, string reason);
}
