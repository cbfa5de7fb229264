using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GoMicro.Shared.Bus;

/// <summary>Registers the module bus.</summary>
public static class BusServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IModuleBus"/>, the handler registry and, unless a transport is already registered, the
    /// in-process transport, and the bus's spans and metrics (<see cref="BusTelemetry"/>, on the host's
    /// <c>IMeterFactory</c>). Binds <see cref="BusOptions"/> from the <c>Bus</c> section.
    /// </summary>
    public static IServiceCollection AddModuleBus(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BusOptions>().Bind(configuration.GetSection(BusOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddMetrics();
        services.TryAddSingleton<BusTelemetry>();
        services.TryAddSingleton<BusHandlerRegistry>();
        services.TryAddSingleton<IBusHandlerRegistry>(sp => sp.GetRequiredService<BusHandlerRegistry>());
        services.TryAddSingleton<IBusTransport, InProcessBusTransport>();
        services.TryAddSingleton<IBusSubscriptionState, AlwaysReceiving>();
        services.TryAddSingleton<IModuleBus, ModuleBus>();
        return services;
    }
}
