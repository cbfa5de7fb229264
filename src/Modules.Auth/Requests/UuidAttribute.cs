using GoMicro.Shared.Web.Validation;
using Microsoft.OpenApi;

namespace GoMicro.Modules.Auth.Requests;

/// <summary>A UUID in its canonical 8-4-4-4-12 hex form (RFC 9562), as goserve's <c>uuid</c> rule accepts it.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class UuidAttribute : FieldRuleAttribute
{
    /// <summary>Reads a canonical UUID.</summary>
    public static bool TryParse(string value, out Guid id) => Guid.TryParseExact(value, "D", out id);

    /// <inheritdoc />
    public override string? Check(object value, string field) =>
        value is string s && TryParse(s, out _) ? null : ValidationMessages.Uuid(field);

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema) => schema.Format = "uuid";
}
