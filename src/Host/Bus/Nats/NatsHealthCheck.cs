using System.Text.Json;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace GoMicro.Host.Bus.Nats;

/// <summary>
/// Readiness of the NATS transport. Unhealthy while not connected to NATS, or while this process's service is not in
/// place (starting, draining): such a process should get no traffic. Degraded (still ready) when a subject this process
/// calls has no responder: its own routes work, those needing the peer answer 503 at once. The peers are asked with
/// the micro protocol's <c>$SRV.INFO.&lt;service&gt;</c>, which lists each instance's endpoint subjects, so no handler
/// runs for the check. The JetStream streams this process publishes into or consumes from (ADR 32): Unhealthy until they
/// were first set up and while a durable consumer still applies the backlog it found at start; Degraded while the stream
/// cannot be reached (events still reach each instance's memory, the once-per-service part waits). Descriptions name services and subjects only, never hosts or exception text.
/// </summary>
internal sealed class NatsHealthCheck(NatsBusConnection connection, NatsBusService service, NatsEventStreams streams, BusHandlerRegistry registry, IOptions<BusOptions> options)
    : IHealthCheck
{
    /// <summary>Longest wait for a peer's INFO answer.</summary>
    private static readonly TimeSpan MaxProbeTimeout = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!connection.IsConnected) return HealthCheckResult.Unhealthy($"not connected to NATS ({connection.State})");
        if (!service.IsServing) return HealthCheckResult.Unhealthy("connected to NATS but not serving (starting or stopping)");
        if (!streams.Attempted) return HealthCheckResult.Unhealthy("setting up the event streams");
        if (streams.CatchingUp) return HealthCheckResult.Unhealthy("applying the events stored while this service was down");
        var timeout = options.Value.RequestTimeout < MaxProbeTimeout ? options.Value.RequestTimeout : MaxProbeTimeout;
        // The events still reach every instance's memory over plain subjects; what waits is the once-per-service part.
        var streamProblem = streams.InUse ? await streams.ProbeAsync(timeout, cancellationToken) : null;

        var missing = new List<string>();
        foreach (var group in registry.RemoteCalls.Where(s => !registry.Serves(s)).GroupBy(s => s.Split('.', 2)[0]))
        {
            var served = await ServedSubjectsAsync(group.Key, cancellationToken);
            missing.AddRange(group.Where(subject => served?.Contains(subject) != true));
        }
        var problems = new List<string>();
        if (missing.Count > 0) problems.Add($"no responder for {string.Join(", ", missing.Order(StringComparer.Ordinal))}");
        if (streamProblem is not null) problems.Add(streamProblem);
        return problems.Count == 0
            ? HealthCheckResult.Healthy(streams.InUse ? $"connected to NATS; event streams {string.Join(", ", streams.StreamNames)} available" : "connected to NATS")
            : HealthCheckResult.Degraded(string.Join("; ", problems));
    }

    /// <summary>The endpoint subjects one instance of <paramref name="service"/> lists, or null when none answers.</summary>
    private async Task<HashSet<string>?> ServedSubjectsAsync(string service, CancellationToken cancellationToken)
    {
        var timeout = options.Value.RequestTimeout < MaxProbeTimeout ? options.Value.RequestTimeout : MaxProbeTimeout;
        try
        {
            var reply = await connection.Connection.RequestAsync<byte[]>($"$SRV.INFO.{service}",
                replyOpts: new NatsSubOpts { Timeout = timeout }, cancellationToken: cancellationToken);
            if (reply.Data is null) return null;
            using var info = JsonDocument.Parse(reply.Data);
            return info.RootElement.TryGetProperty("endpoints", out var endpoints) && endpoints.ValueKind == JsonValueKind.Array
                ? endpoints.EnumerateArray()
                    .Select(e => e.TryGetProperty("subject", out var subject) ? subject.GetString() : null)
                    .OfType<string>().ToHashSet(StringComparer.Ordinal)
                : [];
        }
        catch (Exception ex) when (ex is NatsException or JsonException or ObjectDisposedException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }
}
