namespace GoMicro.Shared.Web.OpenApi;

/// <summary>The names modules need of the OpenAPI document the Host builds: a module adds its schema transformers to
/// <see cref="Name"/>; the key check exempts <see cref="SwaggerUiPath"/>.</summary>
public static class ApiDocument
{
    /// <summary>The document's name (<c>/openapi/v1.json</c>).</summary>
    public const string Name = "v1";

    /// <summary>Where Swagger UI is served (Development, or when enabled), without an API key.</summary>
    public const string SwaggerUiPath = "/swagger";
}
