using GoMicro.Shared.Web.ApiKeys;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace GoMicro.Shared.Web.Health;

/// <summary>Health as modules see it: the reference's per-module <c>/{module}/health</c> route and the tag their checks
/// carry. The live/ready probes that run those checks are the Host's (<c>ProbeEndpoints</c>).</summary>
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
}
