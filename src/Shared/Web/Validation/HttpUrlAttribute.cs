using Microsoft.OpenApi;

namespace GoMicro.Shared.Web.Validation;

/// <summary>An absolute <c>http</c> or <c>https</c> URL with a host: no <c>javascript:</c>, <c>data:</c>, <c>file:</c> or relative references.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class HttpUrlAttribute : FieldRuleAttribute
{
    /// <inheritdoc />
    public override string? Check(object value, string field) =>
        value is string s && IsHttpUrl(s) ? null : ValidationMessages.Url(field);

    /// <summary>True for an absolute http(s) URL with a host and no whitespace.</summary>
    public static bool IsHttpUrl(string s) =>
        (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || s.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        && !s.Any(char.IsWhiteSpace)
        && Uri.TryCreate(s, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema)
    {
        schema.Format = "uri";
        schema.Pattern = "^[hH][tT][tT][pP][sS]?://";
    }
}
