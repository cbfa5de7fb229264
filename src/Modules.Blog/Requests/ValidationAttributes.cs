using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace GoMicro.Modules.Blog.Requests;

/// <summary>A UUID in any format <see cref="Guid.TryParse(string?, out Guid)"/> reads; null passes (pair with <see cref="RequiredAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class UuidAttribute() : ValidationAttribute("The {0} field is not a valid UUID")
{
    public override bool IsValid(object? value) => value is null || value is string s && Guid.TryParse(s, out _);
}

/// <summary>A decimal integer within [<paramref name="minimum"/>, <paramref name="maximum"/>], given as text so that a
/// non-numeric query value is a validation failure (400 in the envelope) instead of a binding error.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class IntegerRangeAttribute(int minimum, int maximum)
    : ValidationAttribute($"The {{0}} field must be an integer between {minimum} and {maximum}")
{
    public override bool IsValid(object? value) =>
        value is null || value is string s && TryParse(s, out var n) && n >= minimum && n <= maximum;

    public static bool TryParse(string value, out int number) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out number);
}

/// <summary>Text equal to its upper-case form (the reference's <c>uppercase</c> rule: <c>"GO2"</c> passes, <c>"Go"</c> does not).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class UppercaseAttribute() : ValidationAttribute("The {0} field must be uppercase")
{
    public override bool IsValid(object? value) => value is null || value is string s && IsUppercase(s);

    public static bool IsUppercase(string s) => s.Length > 0 && s == s.ToUpperInvariant();
}

/// <summary>Every element is a non-empty upper-case string.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class UppercaseItemsAttribute() : ValidationAttribute("The {0} field must contain only non-empty uppercase strings")
{
    public override bool IsValid(object? value) =>
        value is null || value is IEnumerable<string?> items && items.All(i => i is not null && UppercaseAttribute.IsUppercase(i));
}

/// <summary>An absolute URI with an explicit scheme (<c>https://...</c>); bare paths are rejected even where the platform
/// would read them as <c>file://</c> URIs.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class AbsoluteUriAttribute() : ValidationAttribute("The {0} field is not a valid absolute URI")
{
    public override bool IsValid(object? value) =>
        value is null || value is string s && Uri.TryCreate(s, UriKind.Absolute, out var uri)
        && s.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase);
}
