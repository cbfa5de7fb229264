using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoMicro.Shared.Bus.Nats;

/// <summary>Ready only while connected to NATS: a process that cannot reach the other services should get no traffic.</summary>
internal sealed class NatsHealthCheck(NatsConnection connection) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(connection.IsConnected
            ? HealthCheckResult.Healthy($"connected to {connection.Url}")
            : HealthCheckResult.Unhealthy($"not connected to NATS at {connection.Url} ({connection.State.ToString().ToLowerInvariant()})"));
}
