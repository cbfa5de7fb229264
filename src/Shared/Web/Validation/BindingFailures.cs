using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GoMicro.Shared.Web.Validation;

/// <summary>
/// Says in the field's terms why the framework could not bind a request (minimal APIs throw
/// <see cref="BadHttpRequestException"/> because <c>ThrowOnBadRequest</c> is on): <c>body is not valid JSON</c>,
/// <c>body must be a JSON object</c>, <c>email must be a string</c>, <c>tags must be an array of strings</c>. The field
/// and its expected type come from <see cref="JsonException.Path"/> and the endpoint's declared request type, never from
/// the parser's text, so no type name, line number or byte position reaches a client.
/// </summary>
public static class BindingFailures
{
    /// <summary>The status and message to answer for <paramref name="exception"/>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="endpoint">The endpoint that failed to bind (the exception handler has already cleared it from the context).</param>
    /// <param name="exception">What the framework threw.</param>
    public static (int Status, string Message) Describe(HttpContext context, Endpoint? endpoint, BadHttpRequestException exception)
    {
        var requestType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        switch (exception.StatusCode)
        {
            case StatusCodes.Status413PayloadTooLarge: return (exception.StatusCode, ValidationMessages.BodyTooLarge);
            case StatusCodes.Status415UnsupportedMediaType: return (exception.StatusCode, ValidationMessages.UnsupportedContentType);
        }
        if (exception.InnerException is JsonException json) return (StatusCodes.Status400BadRequest, DescribeJson(context, requestType, json));
        if (requestType is not null)
        {
            // The body parameter is null: no body at all, or the JSON literal null.
            var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;
            return (StatusCodes.Status400BadRequest, hasBody ? ValidationMessages.BodyNotObject : ValidationMessages.BodyRequired);
        }
        return (exception.StatusCode is >= 400 and < 500 ? exception.StatusCode : StatusCodes.Status400BadRequest, ValidationMessages.BadRequest);
    }

    private static string DescribeJson(HttpContext context, Type? requestType, JsonException json)
    {
        // A reader error (syntax, truncation, invalid UTF-8, depth) is itself a JsonException; a value of the wrong type is not.
        if (json.InnerException is JsonException) return ValidationMessages.BodyNotJson;
        var path = json.Path;
        if (string.IsNullOrEmpty(path) || path == "$") return ValidationMessages.BodyNotObject;

        var options = context.RequestServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions;
        var (field, expected) = Resolve(path, requestType, options);
        if (field is null) return ValidationMessages.BodyNotObject;
        var name = ValidationMessages.FieldName(field);
        return expected switch
        {
            null => ValidationMessages.Invalid(name),
            _ when expected == typeof(string) => ValidationMessages.MustBeString(name),
            _ when typeof(IEnumerable<string>).IsAssignableFrom(expected) => ValidationMessages.MustBeStringArray(name),
            _ when IsInteger(expected) => ValidationMessages.MustBeInteger(name),
            _ when (Nullable.GetUnderlyingType(expected) ?? expected) == typeof(bool) => ValidationMessages.MustBeBoolean(name),
            _ when expected.IsClass => ValidationMessages.MustBeObject(name),
            _ => ValidationMessages.Invalid(name),
        };
    }

    /// <summary>The top-level JSON property named by <paramref name="path"/> (<c>$.tags[3]</c> gives <c>tags</c>) and its declared type.</summary>
    private static (string? Field, Type? Type) Resolve(string path, Type? requestType, JsonSerializerOptions? options)
    {
        var field = TopLevelProperty(path);
        if (field is null || requestType is null || options is null) return (field, null);
        try
        {
            var property = options.GetTypeInfo(requestType).Properties.FirstOrDefault(p => p.Name == field);
            return (field, property?.PropertyType);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            return (field, null); // no contract for the type: say "is invalid" rather than guess
        }
    }

    private static string? TopLevelProperty(string path)
    {
        // Paths look like $.email, $.tags[0], $['odd name'] or $._id.
        if (path.StartsWith("$.", StringComparison.Ordinal))
        {
            var rest = path[2..];
            var end = rest.IndexOfAny(['.', '[']);
            return end < 0 ? rest : rest[..end];
        }
        if (path.StartsWith("$['", StringComparison.Ordinal))
        {
            var end = path.IndexOf("']", 3, StringComparison.Ordinal);
            return end < 0 ? null : path[3..end];
        }
        return null;
    }

    private static bool IsInteger(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is var t && (t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte));
}
