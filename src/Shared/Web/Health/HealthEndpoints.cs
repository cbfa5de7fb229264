using System.Text.Json;
using GoMicro.Shared.Web.ApiKeys;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoMicro.Shared.Web.Health;

/// <summary>Health endpoints: the reference's per-module <c>/{module}/health</c> and the standard live/ready probes.</summary>
public static class HealthEndpoints
{
    /// <summary>Tag of the checks <c>/health/ready</c> runs (databases, and the bus and cache when configured).</summary>
    public const string ReadyTag = "ready";

    /// <summary>The data of a module health answer: <c>{ "timestamp": "2026-11-20T10:00:00Z", "status": "OK" }</c>.</summary>
    /// <param name="Timestamp">Server time, UTC.</param>
    /// <param name="Status">Always <c>OK</c>: the process answers.</param>
    public sealed record ModuleHealth(DateTimeOffset Timestamp, string Status);

    /// <summary>Maps <c>GET health</c> on <paramref name="group"/> (e.g. <c>/auth/health</c>), without an API key, as the reference does.</summary>
    public static RouteHandlerBuilder MapModuleHealth(this IEndpointRouteBuilder group) =>
        group.MapGet("/health", () => ApiResults.Success("success", new ModuleHealth(DateTimeOffset.UtcNow, "OK")))
            .SkipApiKey()
            .WithTags("Health")
            .Produces<ApiResponse<ModuleHealth>>();

    /// <summary>
    /// Maps <c>/health/live</c> (the process runs; no dependency is checked, so an orchestrator does not restart it
    /// for a database outage) and <c>/health/ready</c> (every check tagged <see cref="ReadyTag"/>; 503 when one fails).
    /// </summary>
    public static IEndpointRouteBuilder MapProbeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteReport })
            .WithMetadata(SkipApiKeyMetadata.Instance);
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteReport })
            .WithMetadata(SkipApiKeyMetadata.Instance);
        return endpoints;
    }

    /// <summary>
    /// <c>{ "status": "Healthy", "checks": [ { "name": "auth-database", "status": "Healthy" } ] }</c>: each check's name
    /// and status only. The probes need no API key, so exception texts, hosts and connection strings (a check's
    /// description or exception) go to the log, never into this answer.
    /// </summary>
    private static Task WriteReport(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString() }),
        }, cancellationToken: context.RequestAborted);
    }
}
