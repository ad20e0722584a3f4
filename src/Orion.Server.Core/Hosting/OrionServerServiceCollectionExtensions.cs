using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orion.Server.Core.Isolation;

namespace Orion.Server.Core.Hosting;

/// <summary>Adds an Orion server to a Generic Host (<c>Microsoft.Extensions.Hosting</c>).</summary>
public static class OrionServerServiceCollectionExtensions
{
    /// <summary>
    /// Runs an <see cref="OrionServer"/> as a hosted service (<see cref="OrionServerHostedService"/>), with its
    /// <see cref="OrionServerOptions"/> bound from <paramref name="configuration"/> (a section such as
    /// <c>builder.Configuration.GetSection("Orion")</c>: every option, endpoints as strings included; see
    /// <see cref="OrionServerConfiguration"/>), then <paramref name="configure"/>, and validated when the host starts
    /// (<see cref="OrionServerOptionsValidator"/>): a malformed or invalid option stops the start with an
    /// <see cref="OptionsValidationException"/>, one line per problem naming the key. The host must also register an
    /// <see cref="Backend.IGpuBackend"/> and a <see cref="Transport.TransportFactory"/>; for process isolation, a
    /// <see cref="IWorkerLauncher"/> service (or <see cref="OrionServerOptions.WorkerLauncher"/> set in
    /// <paramref name="configure"/>). Logs through the host's logging. Nothing process-wide is changed.
    /// </summary>
    public static IServiceCollection AddOrionServer(this IServiceCollection services, IConfiguration configuration, Action<OrionServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddOptions<OrionServerOptions>()
            .Configure(options => OrionServerConfiguration.Bind(configuration, options));
        if (configure is not null)
        {
            builder.Configure(configure);
        }
        builder.PostConfigure<IServiceProvider>((options, provider) =>
            options.WorkerLauncher ??= (IWorkerLauncher?)provider.GetService(typeof(IWorkerLauncher)));
        builder.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OrionServerOptions>>(
            new OrionServerOptionsValidator((configuration as IConfigurationSection)?.Path ?? "")));
        services.TryAddSingleton<OrionServerHostedService>();
        services.AddHostedService(provider => provider.GetRequiredService<OrionServerHostedService>());
        return services;
    }
}
