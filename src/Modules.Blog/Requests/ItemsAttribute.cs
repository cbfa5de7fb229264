using System.ComponentModel.DataAnnotations;
using GoMicro.Shared.Web.Validation;
using Microsoft.OpenApi;

namespace GoMicro.Modules.Blog.Requests;

/// <summary>
/// Bounds on the elements of a list of strings (pair with <see cref="MinLengthAttribute"/> for the least count): at most
/// <see cref="MaxCount"/> elements, each non-empty once trimmed, at most <see cref="MaxItemLength"/> characters and,
/// when <see cref="Uppercase"/>, upper case. Null elements are refused.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ItemsAttribute(int maxCount, int maxItemLength) : FieldRuleAttribute
{
    /// <summary>Most elements accepted.</summary>
    public int MaxCount { get; } = maxCount;
    /// <summary>Longest element accepted, in characters.</summary>
    public int MaxItemLength { get; } = maxItemLength;
    /// <summary>Each element must be upper case.</summary>
    public bool Uppercase { get; init; }

    /// <inheritdoc />
    public override string? Check(object value, string field)
    {
        if (value is not IReadOnlyList<string?> items) return ValidationMessages.MustBeStringArray(field);
        if (items.Count > MaxCount) return ValidationMessages.MaxItems(field, MaxCount);
        foreach (var item in items)
        {
            if (string.IsNullOrEmpty(item)) return ValidationMessages.Invalid(field);
            if (item.Length > MaxItemLength) return ValidationMessages.MaxLength(field, MaxItemLength);
            if (Uppercase && !UppercaseAttribute.IsUppercase(item)) return ValidationMessages.Uppercase(field);
        }
        return null;
    }

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema)
    {
        schema.MaxItems = MaxCount;
        var items = schema.Items as OpenApiSchema ?? new OpenApiSchema { Type = JsonSchemaType.String };
        items.MinLength = 1;
        items.MaxLength = MaxItemLength;
        if (Uppercase) items.Pattern = UppercaseAttribute.Pattern;
        schema.Items = items;
    }
}
