using System.Reflection;
using GoMicro.Shared.Web.ApiKeys;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace GoMicro.Host.Web;

/// <summary>
/// Keeps the OpenAPI document in step with the validation rules and the error answers: each field's
/// <see cref="FieldRuleAttribute"/> writes its format, pattern and bounds into the field's schema (the built-in
/// generator already reads <c>[Required]</c>, <c>[StringLength]</c> and <c>[MinLength]</c>), and every operation lists
/// the 4xx answers it can give, each an error envelope.
/// </summary>
internal static class OpenApiRules
{
    /// <summary>Component name of the error envelope schema.</summary>
    public const string ErrorEnvelope = "ErrorEnvelope";

    /// <summary>Applies the field rules of the property or parameter the schema describes.</summary>
    public static Task ApplyFieldRules(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken _)
    {
        var provider = context.JsonPropertyInfo?.AttributeProvider as ICustomAttributeProvider
                       ?? (context.JsonPropertyInfo is null ? ParameterAttributes(context) : null);
        if (provider is null) return Task.CompletedTask;
        // A required field is never null, whatever its CLR type's nullability says.
        if (provider.IsDefined(typeof(System.ComponentModel.DataAnnotations.RequiredAttribute), inherit: true) && schema.Type is { } type)
            schema.Type = type & ~JsonSchemaType.Null;
        foreach (var rule in provider.GetCustomAttributes(typeof(FieldRuleAttribute), inherit: true).Cast<FieldRuleAttribute>())
            rule.Describe(schema);
        return Task.CompletedTask;
    }

    private static ICustomAttributeProvider? ParameterAttributes(OpenApiSchemaTransformerContext context) =>
        context.ParameterDescription?.ParameterDescriptor is IParameterInfoParameterDescriptor parameter
        && parameter.ParameterInfo.ParameterType == context.JsonTypeInfo.Type
            ? parameter.ParameterInfo
            : null;

    /// <summary>
    /// The API writes JSON without null properties (<c>DefaultIgnoreCondition = WhenWritingNull</c>, as the reference's
    /// <c>omitempty</c>): a property that can be null is absent instead, so it is never <c>required</c>, whatever the
    /// generator inferred from a constructor parameter. Runs over the finished document's component schemas.
    /// </summary>
    public static Task NullablePropertiesAreOptional(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken _)
    {
        foreach (var schema in document.Components?.Schemas?.Values.OfType<OpenApiSchema>() ?? [])
        {
            if (schema.Required is not { Count: > 0 } required || schema.Properties is null) continue;
            foreach (var (name, property) in schema.Properties)
                if (MayBeNull(property)) required.Remove(name);
        }
        return Task.CompletedTask;
    }

    /// <summary>A schema that admits null: its type includes null, one of its alternatives is null, or it says nothing of
    /// its type (any value). A reference to a component is never one: nullable references are wrapped in a <c>oneOf</c>.</summary>
    private static bool MayBeNull(IOpenApiSchema schema) => schema is not OpenApiSchemaReference && (
        schema.Type is { } type ? type.HasFlag(JsonSchemaType.Null)
        : schema.OneOf is { Count: > 0 } oneOf ? oneOf.Any(o => o is not OpenApiSchemaReference && o.Type == JsonSchemaType.Null)
        : schema.AnyOf is not { Count: > 0 } && schema.AllOf is not { Count: > 0 });

    /// <summary>The error envelope: <c>{ code: "10001", status, message }</c>.</summary>
    public static OpenApiSchema ErrorEnvelopeSchema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "Every error answer: code \"10001\", the HTTP status repeated, and a message naming what is wrong (never internals).",
        Required = new HashSet<string> { "code", "status", "message" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [System.Text.Json.Nodes.JsonValue.Create("10001")] },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
        },
    };

    /// <summary>Adds each 4xx the operation can answer (and a description to those the endpoint declared itself).</summary>
    public static Task AddErrorResponses(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken _)
    {
        var description = context.Description;
        var metadata = description.ActionDescriptor.EndpointMetadata;
        var apiKey = !metadata.OfType<SkipApiKeyMetadata>().Any();
        var bearer = metadata.OfType<IAuthorizeData>().Any();
        var hasBody = description.ParameterDescriptions.Any(p => p.Source == BindingSource.Body)
                      || metadata.OfType<IAcceptsMetadata>().Any(a => a.RequestType is not null);
        var hasInput = hasBody || description.ParameterDescriptions.Any(p => p.Source == BindingSource.Path || p.Source == BindingSource.Query);
        var looksUpById = description.ParameterDescriptions.Any(p => p.Source == BindingSource.Path && p.Name is "id" or "slug");
        var rateLimited = metadata.OfType<EnableRateLimitingAttribute>().Any();

        var statuses = new SortedDictionary<int, string>();
        if (hasInput) statuses[400] = "Validation failed: the message names each failing field in goserve's wording (`email is required`), joined with \", \"; or the body is not a JSON object of the documented shape.";
        if (apiKey || bearer) statuses[401] = apiKey && bearer
            ? "The x-api-key header is missing, or the Bearer access token is missing, invalid, expired or revoked."
            : apiKey ? "The x-api-key header is missing." : "The Bearer access token is missing, invalid, expired or revoked.";
        if (apiKey || bearer) statuses[403] = apiKey && bearer
            ? "The x-api-key is unknown or inactive, or the user lacks the role this route requires."
            : apiKey ? "The x-api-key is unknown or inactive." : "The user lacks the role this route requires.";
        if (looksUpById) statuses[404] = "Nothing with that id or slug is visible to the caller.";
        if (hasBody)
        {
            statuses[413] = $"The body is larger than {RequestBodyLimitOptions.SectionName}:MaxRequestBodySize (1 MiB by default).";
            statuses[415] = "The body is not sent as application/json.";
        }
        if (rateLimited) statuses[429] = "Too many requests from this client; retry after the time in Retry-After.";

        operation.Responses ??= new OpenApiResponses();
        var envelope = new OpenApiSchemaReference(ErrorEnvelope, context.Document);
        // An endpoint that declares an error status with its own result type (TypedResults.NotFound(ApiResponse...)) still
        // answers the error envelope: code 10001, no data.
        foreach (var (key, declared) in operation.Responses)
            if (int.TryParse(key, out var status) && status >= 400 && declared is OpenApiResponse { Content: { } content }
                && content.TryGetValue("application/json", out var json))
                json.Schema = envelope;
        foreach (var (status, text) in statuses)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (operation.Responses.TryGetValue(key, out var existing))
            {
                if (existing is OpenApiResponse declared && string.IsNullOrEmpty(declared.Description)) declared.Description = text;
                continue;
            }
            operation.Responses[key] = new OpenApiResponse
            {
                Description = text,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = envelope } },
            };
        }
        return Task.CompletedTask;
    }
}
