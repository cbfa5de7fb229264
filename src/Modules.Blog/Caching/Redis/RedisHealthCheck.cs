using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Blog.Caching.Redis;

/// <summary>
/// Pings Redis over the shared multiplexer, bounded by <see cref="RedisConnectionOptions.OperationTimeout"/>. A failure
/// reports the registration's failure status, <see cref="HealthStatus.Degraded"/>: reads then come from memory and the
/// database, so the instance stays ready and in rotation.
/// </summary>
internal sealed class RedisHealthCheck(RedisConnection connection, IOptions<RedisConnectionOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var multiplexer = await connection.GetAsync().WaitAsync(options.Value.OperationTimeout, cancellationToken);
            var latency = await multiplexer.GetDatabase().PingAsync().WaitAsync(options.Value.OperationTimeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis is unreachable; reads are served from memory and the database", ex);
        }
    }
}
