using System.Text.Json;
using GoMicro.Shared.Web.ApiKeys;
using GoMicro.Shared.Web.Health;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GoMicro.Host.Web;

/// <summary>The standard live/ready probes over the checks modules and the Host register.</summary>
public static class ProbeEndpoints
{
    /// <summary>
    /// Maps <c>/health/live</c> (the process runs; no dependency is checked, so an orchestrator does not restart it
    /// for a database outage) and <c>/health/ready</c> (every check tagged <see cref="HealthEndpoints.ReadyTag"/>; 503 when one fails).
    /// </summary>
    public static IEndpointRouteBuilder MapProbeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteReport })
            .WithMetadata(SkipApiKeyMetadata.Instance);
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthEndpoints.ReadyTag), ResponseWriter = WriteReport })
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
