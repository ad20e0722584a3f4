using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Transport.Rdma.Native;
using Orion.Transport.Rdma.Software;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma;

/// <summary>
/// The RDMA transport: reliable-connected queue pairs set up through rdma_cm. The default instance
/// (<c>rdma://host:port</c>) uses the host's RDMA NIC through the native shim; <see cref="CreateSoftware"/>
/// gives one over the in-process software verbs provider (<c>rdma+soft://host:port</c>), which runs
/// the same transport logic without a NIC, for tests and development.
/// </summary>
public sealed class RdmaTransport : ITransport
{
    /// <summary>The scheme of the NIC-backed transport.</summary>
    public const string Scheme = "rdma";

    /// <summary>The scheme of the software-provider transport (in-process only).</summary>
    public const string SoftwareScheme = "rdma+soft";

    private const int Backlog = 128;

    private readonly IVerbsProvider _provider;
    private readonly string _scheme;
    private readonly RdmaTransportSettings _settings;
    private readonly ILogger _logger;

    /// <summary>The transport over the host's RDMA device (native shim over libibverbs/librdmacm).</summary>
    public RdmaTransport(RdmaTransportSettings? settings = null, ILogger? logger = null)
        : this(new NativeVerbsProvider(), Scheme, settings, logger)
    {
    }

    internal RdmaTransport(IVerbsProvider provider, string scheme, RdmaTransportSettings? settings, ILogger? logger)
    {
        _provider = provider;
        _scheme = scheme;
        _settings = settings ?? RdmaTransportSettings.Default;
        _settings.Validate();
        _logger = logger ?? NullLogger.Instance;
        Schemes = [scheme];
    }

    /// <summary>A transport over the in-process software verbs provider (scheme <c>rdma+soft</c>):
    /// RC semantics without a NIC. Listeners and connections of all such transports in the process
    /// share one fabric, where only the port of an endpoint matters.</summary>
    public static RdmaTransport CreateSoftware(RdmaTransportSettings? settings = null, ILogger? logger = null)
        => new(new SoftwareVerbsProvider(SoftwareFabric.Shared), SoftwareScheme, settings, logger);

    public IReadOnlyList<string> Schemes { get; }

    internal IVerbsProvider Provider => _provider;

    public bool IsAvailable(out string reason) => _provider.IsAvailable(out reason);

    public ValueTask<TransportListener> ListenAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var listener = _provider.Listen(endpoint.Host, endpoint.Port, Backlog);
        var bound = endpoint with { Scheme = _scheme, Port = listener.Port };
        return ValueTask.FromResult<TransportListener>(new RdmaListener(listener, bound, options, _settings, _logger));
    }

    public async ValueTask<TransportConnection> ConnectAsync(TransportEndpoint endpoint, TransportOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var remote = endpoint with { Scheme = _scheme };
        // rdma_cm setup blocks (bounded by ConnectTimeout), so it runs off the caller's thread.
        var connect = Task.Run(() => RdmaConnectionSetup.Connect(_provider, remote, _scheme, options, _settings, _logger), CancellationToken.None);
        try
        {
            return await connect.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The setup finishes within ConnectTimeout; end whatever it produced.
            _ = connect.ContinueWith(static t => t.Result.Abort("connect was cancelled"), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
    }
}
