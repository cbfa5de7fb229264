using System.Globalization;
using GoMicro.Shared.Web.Validation;
using Microsoft.OpenApi;

namespace GoMicro.Modules.Blog.Requests;

/// <summary>
/// A decimal integer within [<see cref="Minimum"/>, <see cref="Maximum"/>], bound as text so that a non-numeric query
/// value is a field message (<c>page must be an integer</c>) instead of a binding error; documented as an integer.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class IntegerRangeAttribute(int minimum, int maximum) : FieldRuleAttribute
{
    /// <summary>Smallest accepted value.</summary>
    public int Minimum { get; } = minimum;
    /// <summary>Largest accepted value.</summary>
    public int Maximum { get; } = maximum;

    /// <summary>Reads ASCII digits only (no sign, spaces, exponent or other scripts' digits).</summary>
    public static bool TryParse(string value, out int number) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number);

    /// <inheritdoc />
    public override string? Check(object value, string field)
    {
        if (value is not string s || s.Length == 0 || !s.All(char.IsAsciiDigit)) return ValidationMessages.MustBeInteger(field);
        if (!TryParse(s, out var n)) return ValidationMessages.AtMost(field, Maximum); // more digits than an int holds
        if (n < Minimum) return ValidationMessages.AtLeast(field, Minimum);
        return n > Maximum ? ValidationMessages.AtMost(field, Maximum) : null;
    }

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema)
    {
        schema.Type = JsonSchemaType.Integer;
        schema.Format = "int32";
        schema.Pattern = null;
        schema.Minimum = Minimum.ToString(CultureInfo.InvariantCulture);
        schema.Maximum = Maximum.ToString(CultureInfo.InvariantCulture);
    }
}
