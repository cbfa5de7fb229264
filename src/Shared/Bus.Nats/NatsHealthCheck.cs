using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoMicro.Shared.Bus.Nats;

/// <summary>Ready only while connected to NATS with this process's subjects subscribed: a process that cannot reach the
/// other services, or is draining for shutdown, should get no traffic.</summary>
internal sealed class NatsHealthCheck(NatsConnection connection, NatsBusService service) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(connection.IsConnected && service.IsServing
            ? HealthCheckResult.Healthy($"connected to {connection.Url}")
            : HealthCheckResult.Unhealthy(connection.IsConnected
                ? "connected to NATS but not serving (starting or stopping)"
                : $"not connected to NATS at {connection.Url} ({connection.State.ToString().ToLowerInvariant()})"));
}
