using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace GoMicro.Modules.Blog.Caching.Redis;

/// <summary>Registers the process's hybrid cache, <see cref="IFusionCache"/> (ADR 14).</summary>
internal static class CoherentCacheServiceCollectionExtensions
{
    /// <summary>Name of the connection string that selects Redis (<c>ConnectionStrings:Redis</c>, environment <c>ConnectionStrings__Redis</c>).</summary>
    public const string ConnectionStringName = "Redis";

    /// <summary>Name of the Redis health check.</summary>
    public const string HealthCheckName = "redis";

    /// <summary>How long FusionCache skips Redis (L2 and backplane) after a call failed, so an outage costs each request
    /// nothing; what was skipped is replayed by FusionCache's auto-recovery once Redis answers.</summary>
    internal static readonly TimeSpan CircuitBreakerDuration = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Adds the default <see cref="IFusionCache"/>: an in-process memory level (L1) always; when <c>ConnectionStrings:Redis</c>
    /// is non-empty (a StackExchange.Redis configuration string such as <c>localhost:6379</c>) also Redis as the shared level
    /// (L2, Microsoft's <c>RedisCache</c>, keys prefixed with <see cref="RedisConnectionOptions.InstanceName"/>) and the Redis
    /// backplane, which evicts a changed key from every other instance's L1, all over one multiplexer, with a health check
    /// that reports <see cref="HealthStatus.Degraded"/> (never unhealthy) while Redis is unreachable. Without Redis the
    /// same code runs on L1 alone. Redis never fails a call: each is bounded by
    /// <see cref="RedisConnectionOptions.OperationTimeout"/> (<see cref="BudgetedDistributedCache"/>), failures and calls
    /// over budget count as misses, and a circuit breaker skips Redis for a second after one, so a request waits on
    /// Redis for at most one budget even when it would make several calls. Values are serialized with System.Text.Json's web defaults plus public fields (value tuples). Safe to call from several modules:
    /// the first call wins.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">Configuration holding the connection string and <see cref="RedisConnectionOptions"/>.</param>
    /// <param name="healthCheckTags">Tags of the Redis health check, e.g. the readiness tag.</param>
    public static IServiceCollection AddCoherentCache(this IServiceCollection services, IConfiguration configuration, params string[] healthCheckTags)
    {
        if (services.Any(d => d.ServiceType == typeof(CoherentCacheRegistration))) return services;
        services.AddSingleton<CoherentCacheRegistration>();

        services.AddOptions<RedisConnectionOptions>().Bind(configuration.GetSection(RedisConnectionOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        var redis = configuration.GetConnectionString(ConnectionStringName);
        var settings = configuration.GetSection(RedisConnectionOptions.SectionName).Get<RedisConnectionOptions>() ?? new RedisConnectionOptions();
        var timeout = settings.OperationTimeout;

        var cache = services.AddFusionCache()
            .WithOptions(options =>
            {
                // The callers' own exceptions (e.g. a 404 thrown by a loader) must reach them unwrapped.
                options.ReThrowOriginalExceptions = true;
                options.DistributedCacheCircuitBreakerDuration = CircuitBreakerDuration;
                options.BackplaneCircuitBreakerDuration = CircuitBreakerDuration;
                options.DistributedCacheErrorsLogLevel = LogLevel.Warning;
                options.BackplaneErrorsLogLevel = LogLevel.Warning;
            })
            .WithDefaultEntryOptions(entry =>
            {
                // The budget itself is enforced below each call (BudgetedDistributedCache), which reports a call over
                // budget as a failure so the breaker opens; FusionCache's own timeouts are only a backstop behind it.
                entry.DistributedCacheSoftTimeout = timeout * 2;
                entry.DistributedCacheHardTimeout = timeout * 2;
                // A write waits for Redis (bounded above), so the backplane's eviction reaches the other instances only
                // once the new value can be read there.
                entry.AllowBackgroundDistributedCacheOperations = false;
                entry.ReThrowDistributedCacheExceptions = false;
                entry.ReThrowBackplaneExceptions = false;
            })
            // IncludeFields: a value tuple's items are fields, which System.Text.Json skips by default, so a tuple would
            // come back from Redis empty (dotnet/runtime#70352). Nothing cached today is a tuple, but FusionCache checks the
            // serializer for it at start and warns otherwise, which put a log line before every admin command's output.
            .WithSerializer(new FusionCacheSystemTextJsonSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web) { IncludeFields = true }));

        if (string.IsNullOrWhiteSpace(redis)) return services;

        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RedisConnection>(sp, redis));
        cache
            .WithDistributedCache(sp => new BudgetedDistributedCache(new RedisCache(Options.Create(new RedisCacheOptions
            {
                InstanceName = settings.InstanceName,
                ConnectionMultiplexerFactory = sp.GetRequiredService<RedisConnection>().GetAsync,
            })), timeout, sp.GetRequiredService<IMeterFactory>()))
            .WithBackplane(sp => new RedisBackplane(Options.Create(new RedisBackplaneOptions
            {
                ConnectionMultiplexerFactory = sp.GetRequiredService<RedisConnection>().GetAsync,
            }), sp.GetRequiredService<ILogger<RedisBackplane>>()))
            .WithOptions(options => options.BackplaneChannelPrefix = settings.InstanceName + "backplane");
        services.AddHealthChecks().AddCheck<RedisHealthCheck>(HealthCheckName, HealthStatus.Degraded, healthCheckTags);
        return services;
    }

    /// <summary>Marks that the cache is registered, so a second module's call changes nothing.</summary>
    private sealed class CoherentCacheRegistration;
}
