using GoMicro.Shared.Bus;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GoMicro.Host.Bus.Nats;

/// <summary>Registers the NATS transport of the module bus.</summary>
public static class NatsBusServiceCollectionExtensions
{
    /// <summary>Name of the readiness health check this adds.</summary>
    public const string HealthCheckName = "nats";

    /// <summary>
    /// Makes the module bus travel over NATS (<c>Bus:Nats</c> settings of <see cref="BusOptions"/>, NATS.Net): replaces
    /// <see cref="IBusTransport"/> with the NATS transport and <see cref="IBusSubscriptionState"/> with the connection's
    /// real state, whether called before or after <c>AddModuleBus</c> (which binds the options and must also be called),
    /// adds the hosted service that connects, serves this process's subjects as a NATS micro service and drains on
    /// shutdown, and a health check named <see cref="HealthCheckName"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="identity">How this process appears in NATS service discovery (<c>nats micro ls</c>).</param>
    /// <param name="healthCheckTags">Tags of the health check, e.g. the readiness tag.</param>
    public static IServiceCollection AddNatsBusTransport(this IServiceCollection services, NatsServiceIdentity identity, params string[] healthCheckTags)
    {
        services.AddSingleton(identity);
        services.TryAddSingleton<BusHandlerRegistry>();
        services.AddSingleton(sp => new NatsBusConnection(
            sp.GetRequiredService<IOptions<BusOptions>>().Value.Nats, $"gomicro-{identity.Name}", sp.GetRequiredService<ILoggerFactory>()));
        services.Replace(ServiceDescriptor.Singleton<IBusSubscriptionState>(sp => sp.GetRequiredService<NatsBusConnection>()));
        services.AddSingleton<NatsEventStreams>();
        services.AddSingleton<NatsBusTransport>();
        services.Replace(ServiceDescriptor.Singleton<IBusTransport>(sp => sp.GetRequiredService<NatsBusTransport>()));
        services.AddSingleton<NatsBusService>();
        services.AddHostedService(sp => sp.GetRequiredService<NatsBusService>());
        services.AddHealthChecks().AddCheck<NatsHealthCheck>(HealthCheckName, tags: healthCheckTags);
        return services;
    }
}
