using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoMicro.Host;

/// <summary>
/// The <c>/health/ready</c> check <c>development-seed</c>, registered only when <c>Database:Seed</c> is on: unhealthy
/// until <see cref="GoMicroApplication.SeedDatabasesAsync"/> has finished. The seed runs after the server has started
/// (it may ask another module over the bus), so without this check a probe, a gateway or a script would send requests
/// that need the seeded API key or admin before they exist (a 403 on the README's first step).
/// </summary>
internal sealed class SeedReadiness : IHealthCheck
{
    /// <summary>Name of the check in the readiness report.</summary>
    public const string Name = "development-seed";

    private volatile bool _done;

    /// <summary>The seed has finished (or had nothing to wait for); the check is healthy from now on.</summary>
    public void MarkDone() => _done = true;

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_done ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the development seed has not finished yet"));
}
