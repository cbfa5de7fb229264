using GoMicro.Shared.Modularity;
using GoMicro.Shared.Web.ApiKeys;
using GoMicro.Shared.Web.OpenApi;
using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerUI;

namespace GoMicro.Host.Web;

/// <summary>The OpenAPI document (<c>/openapi/v1.json</c>) and Swagger UI (<c>/swagger</c>).</summary>
public static class OpenApiSetup
{
    /// <summary>Security scheme id of the <c>x-api-key</c> header.</summary>
    public const string ApiKeyScheme = "ApiKey";
    /// <summary>Security scheme id of the Bearer access token.</summary>
    public const string BearerScheme = "Bearer";

    /// <summary>The development API key (<see cref="DevelopmentSeed.ApiKey"/>) that Swagger UI sends in Development.</summary>
    public const string DevelopmentApiKey = DevelopmentSeed.ApiKey;

    /// <summary>The document's name (<c>/openapi/v1.json</c>): modules add schema transformers of their own to its
    /// <see cref="Microsoft.AspNetCore.OpenApi.OpenApiOptions"/>, named so.</summary>
    public const string DocumentName = ApiDocument.Name;

    /// <summary>Adds the document with both security schemes, applied per operation from endpoint metadata, each
    /// operation's 4xx answers and each field's validation rules (<see cref="OpenApiRules"/>).</summary>
    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "GoMicro.NET";
                document.Info.Description = "Blogging platform API: Auth (/auth) and Blog (/blog). Every body is the envelope { code, status, message, data }.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
                document.Components.Schemas[OpenApiRules.ErrorEnvelope] = OpenApiRules.ErrorEnvelopeSchema();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "x-api-key",
                    Description = "API key; required on every route except health checks.",
                };
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "The accessToken from sign-up, sign-in or refresh.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var requirement = new OpenApiSecurityRequirement();
                if (!metadata.OfType<SkipApiKeyMetadata>().Any())
                    requirement[new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [];
                if (metadata.OfType<IAuthorizeData>().Any())
                    requirement[new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [];
                if (requirement.Count > 0) operation.Security = [requirement];
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(OpenApiRules.AddErrorResponses);
            options.AddSchemaTransformer(OpenApiRules.ApplyFieldRules);
            options.AddDocumentTransformer(OpenApiRules.NullablePropertiesAreOptional);
        });

    /// <summary>Swagger UI's path, <c>/swagger</c>.</summary>
    public const string SwaggerUiPath = ApiDocument.SwaggerUiPath;

    /// <summary>Maps the document (API-key free) and Swagger UI under <c>/swagger</c>; in Development Swagger UI starts
    /// authorized with the development API key.</summary>
    public static WebApplication UseApiDocument(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").WithMetadata(SkipApiKeyMetadata.Instance);
        app.UseSwaggerUiBranch(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "GoMicro.NET v1");
            if (app.Environment.IsDevelopment())
                options.ConfigObject.Plugins = [PreauthorizeDevelopmentKeyPlugin];
        });
        return app;
    }

    /// <summary>
    /// Serves Swagger UI under <see cref="SwaggerUiPath"/>, with authorization kept across reloads, configured further by
    /// <paramref name="configure"/> (its documents). Used by the API hosts and the gateway.
    /// </summary>
    /// <remarks>Swagger UI's middleware (its own path matching, then static files) runs only on a branch for its path, so
    /// the API's requests do not pay for it.</remarks>
    public static IApplicationBuilder UseSwaggerUiBranch(this IApplicationBuilder app, Action<SwaggerUIOptions> configure) =>
        app.UseWhen(context => context.Request.Path.StartsWithSegments(SwaggerUiPath), swagger => swagger.UseSwaggerUI(options =>
        {
            options.RoutePrefix = SwaggerUiPath.TrimStart('/');
            options.EnablePersistAuthorization();
            configure(options);
        }));

    /// <summary>
    /// A Swagger UI plugin (Swashbuckle evaluates each <c>Plugins</c> entry as a JavaScript expression) that authorizes the
    /// <see cref="ApiKeyScheme"/> scheme with the development key as soon as the document is loaded, through Swagger UI's
    /// own <c>preauthorizeApiKey</c>; so the Authorize dialog and every lock show the key that is sent, and "Logout"
    /// really stops sending it. A key the user chose and Swagger UI persisted (<c>persistAuthorization</c>) is kept.
    /// </summary>
    private const string PreauthorizeDevelopmentKeyPlugin =
        "(function () { return { statePlugins: { spec: { wrapActions: { updateJsonSpec: function (original, system) {" +
        " return function () { var result = original.apply(this, arguments);" +
        " if (!system.authSelectors.authorized().get('" + ApiKeyScheme + "')) system.preauthorizeApiKey('" + ApiKeyScheme + "', '" + DevelopmentApiKey + "');" +
        " return result; }; } } } } }; })";
}
