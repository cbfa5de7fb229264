using System.ComponentModel.DataAnnotations;
using Microsoft.OpenApi;

namespace GoMicro.Shared.Web.Validation;

/// <summary>
/// A validation rule of a request field that also normalises the value and describes itself in the OpenAPI schema, so
/// the rule, its message and its documentation live in one place. <see cref="RequestValidator"/> runs it after the
/// field is trimmed; a null value passes (pair with <see cref="RequiredAttribute"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public abstract class FieldRuleAttribute : ValidationAttribute
{
    /// <summary>The failure message for <paramref name="value"/> (goserve's wording, see <see cref="ValidationMessages"/>), or null when it passes.</summary>
    /// <param name="value">The trimmed, normalised value; never null.</param>
    /// <param name="field">The field's name as messages show it.</param>
    public abstract string? Check(object value, string field);

    /// <summary>Rewrites the trimmed value before any rule checks it (e.g. lower-cases an email). Default: unchanged.</summary>
    public virtual string Normalize(string value) => value;

    /// <summary>Writes the rule into the field's OpenAPI schema (format, pattern, bounds).</summary>
    public virtual void Describe(OpenApiSchema schema)
    {
    }

    /// <inheritdoc />
    public sealed override bool IsValid(object? value) => value is null || Check(value, "value") is null;
}
