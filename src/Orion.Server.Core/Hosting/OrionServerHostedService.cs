using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orion.Server.Core.Backend;
using Orion.Transport;

namespace Orion.Server.Core.Hosting;

/// <summary>
/// Runs an <see cref="OrionServer"/> as a Generic Host service (<see cref="OrionServerServiceCollectionExtensions.AddOrionServer"/>):
/// made from the host's <see cref="OrionServerOptions"/>, <see cref="IGpuBackend"/>, <see cref="TransportFactory"/> and
/// logging when the host starts, and disposed (listeners closed, every session ended and cleaned up) when it stops.
/// </summary>
public sealed class OrionServerHostedService : IHostedService, IAsyncDisposable
{
    private readonly IOptions<OrionServerOptions> _options;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private OrionServer? _server;

    public OrionServerHostedService(IOptions<OrionServerOptions> options, IServiceProvider services, ILoggerFactory loggerFactory)
    {
        _options = options;
        _services = services;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The running server (its endpoints as bound, sessions, workers); null before the host has started it and after it stopped.</summary>
    public OrionServer? Server => Volatile.Read(ref _server);

    /// <summary>Makes the server and starts listening.</summary>
    /// <exception cref="OptionsValidationException">The options are malformed or invalid (one line per problem, naming the key).</exception>
    /// <exception cref="UnauthenticatedEndpointException">An endpoint other hosts can reach, without a token or AllowUnauthenticated.</exception>
    /// <exception cref="InvalidOperationException">No backend or transport factory is registered, the backend has no device, or the token file is refused.</exception>
    /// <exception cref="TransportException">An endpoint cannot be listened on.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value; // validated here, if the host did not already (ValidateOnStart)
        var backend = (IGpuBackend?)_services.GetService(typeof(IGpuBackend))
            ?? throw new InvalidOperationException("AddOrionServer needs an IGpuBackend service (e.g. services.AddSingleton<IGpuBackend>(...)).");
        var transports = (TransportFactory?)_services.GetService(typeof(TransportFactory))
            ?? throw new InvalidOperationException("AddOrionServer needs a TransportFactory service (e.g. services.AddSingleton(new TransportFactory().Add(new TcpTransport()))).");
        var server = new OrionServer(backend, transports, options, _loggerFactory);
        try
        {
            await server.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        Volatile.Write(ref _server, server);
    }

    /// <summary>Stops listening and ends every session (their resources freed).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
