using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoMicro.Shared.Caching;

/// <summary>
/// Pings Redis directly (not through the circuit breaker, so it reports the server's state, not the breaker's). A failure
/// reports the registration's failure status, <see cref="HealthStatus.Degraded"/>: reads then come from the database, so
/// the instance stays ready and in rotation.
/// </summary>
internal sealed class RedisHealthCheck(RedisDistributedCache cache) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await cache.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.0} ms");
        }
        catch (CacheUnavailableException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis is unreachable; reads are served from the database", ex.InnerException ?? ex);
        }
    }
}
