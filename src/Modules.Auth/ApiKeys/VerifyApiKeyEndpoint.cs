using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace GoMicro.Modules.Auth.ApiKeys;

/// <summary>
/// <c>GET /auth/verify/apikey</c>: what the Kong plugin calls. The shared API-key middleware has already answered 401/403
/// for a missing or invalid key by the time this runs, so reaching it means the key is valid.
/// </summary>
internal static class VerifyApiKeyEndpoint
{
    public static void Map(IEndpointRouteBuilder auth) =>
        auth.MapGet("/verify/apikey", () => ApiResults.Success("success"))
            .WithSummary("Check the x-api-key header (used by the gateway)")
            .Produces<ApiResponse<object>>()
            .Produces<ApiResponse<object>>(StatusCodes.Status401Unauthorized)
            .Produces<ApiResponse<object>>(StatusCodes.Status403Forbidden);
}
