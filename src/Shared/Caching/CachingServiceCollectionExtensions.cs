using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoMicro.Shared.Caching;

/// <summary>Registers the process's <see cref="IDistributedCache"/>.</summary>
public static class CachingServiceCollectionExtensions
{
    /// <summary>Name of the connection string that selects Redis (<c>ConnectionStrings:Redis</c>, environment <c>ConnectionStrings__Redis</c>).</summary>
    public const string ConnectionStringName = "Redis";

    /// <summary>Name of the Redis health check.</summary>
    public const string HealthCheckName = "redis";

    /// <summary>
    /// Adds <see cref="IDistributedCache"/>: <see cref="RedisDistributedCache"/> when <c>ConnectionStrings:Redis</c> is non-empty
    /// (a StackExchange.Redis configuration string such as <c>localhost:6379</c>), with a health check that reports
    /// <see cref="HealthStatus.Degraded"/> (never unhealthy: the application serves from its database without Redis) while
    /// Redis is unreachable; the built-in in-memory cache otherwise. Safe to call from several modules: the first call wins.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">Configuration holding the connection string and <see cref="RedisCacheOptions"/>.</param>
    /// <param name="healthCheckTags">Tags of the Redis health check, e.g. the readiness tag.</param>
    public static IServiceCollection AddDistributedCache(this IServiceCollection services, IConfiguration configuration, params string[] healthCheckTags)
    {
        if (services.Any(d => d.ServiceType == typeof(DistributedCacheRegistration))) return services;
        services.AddSingleton<DistributedCacheRegistration>();

        var connectionString = configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            services.AddDistributedMemoryCache();
            return services;
        }

        services.AddOptions<RedisCacheOptions>().Bind(configuration.GetSection(RedisCacheOptions.SectionName));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RedisDistributedCache>(sp, connectionString));
        services.Replace(ServiceDescriptor.Singleton<IDistributedCache>(sp => sp.GetRequiredService<RedisDistributedCache>()));
        services.AddHealthChecks().AddCheck<RedisHealthCheck>(HealthCheckName, HealthStatus.Degraded, healthCheckTags);
        return services;
    }

    /// <summary>Marks that the cache is registered, so a second module's call changes nothing.</summary>
    private sealed class DistributedCacheRegistration;
}
