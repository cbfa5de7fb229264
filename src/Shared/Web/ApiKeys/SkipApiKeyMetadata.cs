namespace GoMicro.Shared.Web.ApiKeys;

/// <summary>Endpoint metadata: this route is served without an <c>x-api-key</c> (health checks, the OpenAPI document).
/// Set it with <see cref="ApiKeyRoutes.SkipApiKey{TBuilder}"/>.</summary>
public sealed class SkipApiKeyMetadata
{
    /// <summary>The single instance.</summary>
    public static readonly SkipApiKeyMetadata Instance = new();
}
