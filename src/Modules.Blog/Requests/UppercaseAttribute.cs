using GoMicro.Shared.Web.Validation;
using Microsoft.OpenApi;

namespace GoMicro.Modules.Blog.Requests;

/// <summary>Text equal to its upper-case form (goserve's <c>uppercase</c>: <c>"GO2"</c> passes, <c>"Go"</c> does not).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class UppercaseAttribute : FieldRuleAttribute
{
    /// <summary>The JSON Schema pattern of the rule: no lower-case letter.</summary>
    public const string Pattern = "^\\P{Ll}+$";

    /// <summary>True when non-empty and unchanged by upper-casing.</summary>
    public static bool IsUppercase(string s) => s.Length > 0 && s == s.ToUpperInvariant();

    /// <inheritdoc />
    public override string? Check(object value, string field) =>
        value is string s && IsUppercase(s) ? null : ValidationMessages.Uppercase(field);

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema) => schema.Pattern = Pattern;
}
