using GoMicro.Shared.Web.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GoMicro.Shared.Web.ApiKeys;

/// <summary>
/// Which routes take an <c>x-api-key</c> (api.md section 2): every one but those marked <see cref="SkipApiKeyMetadata"/>
/// and the Swagger UI. Modules mark their exempt routes here; the key check itself is the Auth client's, the rate limit
/// per key the Host's, and both ask <see cref="IsExempt"/> so they agree.
/// </summary>
public static class ApiKeyRoutes
{
    /// <summary>The request header that carries the key.</summary>
    public const string HeaderName = "x-api-key";

    /// <summary>Serves the endpoint(s) without <c>x-api-key</c>; for health checks and documents only.</summary>
    public static TBuilder SkipApiKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(SkipApiKeyMetadata.Instance);

    /// <summary>True for the routes served without a key: endpoints marked <see cref="SkipApiKeyMetadata"/> and the Swagger
    /// UI (<see cref="ApiDocument.SwaggerUiPath"/>). Call it after routing, which sets the endpoint.</summary>
    public static bool IsExempt(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<SkipApiKeyMetadata>() is not null
        || context.Request.Path.StartsWithSegments(ApiDocument.SwaggerUiPath);
}
