using System.ComponentModel.DataAnnotations;
using System.Globalization;
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

/// <summary>Text that may span lines: tab, line feed and carriage return are allowed (other control characters are not).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class MultilineAttribute : Attribute;

/// <summary>Kept exactly as sent: not trimmed (passwords, whose spaces are part of the secret).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class VerbatimAttribute : Attribute;

/// <summary>
/// The rule every string field obeys whatever its attributes: no NUL or other C0/C1 control characters (tab, line feed
/// and carriage return only in <see cref="MultilineAttribute"/> fields), no bidirectional embedding, override or
/// isolate characters (U+202A-U+202E, U+2066-U+2069: "Trojan Source", CVE-2021-42574), no lone UTF-16 surrogates and
/// no noncharacters U+FFFE/U+FFFF. PostgreSQL refuses NUL in text, and the others let one string look like another.
/// </summary>
public static class TextRules
{
    /// <summary>True when <paramref name="value"/> holds none of the forbidden characters.</summary>
    public static bool IsClean(string value, bool multiline)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < value.Length && char.IsLowSurrogate(value[i + 1])) { i++; continue; }
                return false;
            }
            if (char.IsLowSurrogate(c)) return false;
            if (c < 0x20) { if (!(multiline && c is '\t' or '\n' or '\r')) return false; continue; }
            if (c is >= '\u007F' and <= '\u009F') return false;
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\uFFFE' or '\uFFFF') return false;
        }
        return true;
    }
}

/// <summary>
/// An email address, normalised to lower case the way the Auth database compares it and limited as SMTP limits it
/// (RFC 5321 section 4.5.3.1: local part at most 64 octets, the whole path at most 254 characters, domain labels at
/// most 63). Accepts a dot-atom local part (RFC 5322 section 3.2.3; letters outside ASCII as RFC 6531 allows) and a
/// host name of at least two LDH labels (a dot in the domain; IDNs as A-labels, RFC 5890), the last one not numeric.
/// Quoted local parts and address literals are refused: no client of ours sends them.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EmailAttribute : FieldRuleAttribute
{
    /// <summary>Longest address SMTP can carry (RFC 5321: 256-octet path minus the angle brackets).</summary>
    public const int MaxAddressLength = 254;

    private const string AtextSymbols = "!#$%&'*+-/=?^_`{|}~";

    /// <summary>
    /// Lower-cases invariantly, except that <c>İ</c> (U+0130) becomes <c>i</c> as PostgreSQL's <c>lower()</c> makes it
    /// (the invariant culture leaves it alone), so the stored address satisfies the database's
    /// <c>email = lower(email)</c> check and compares equal to its other spellings.
    /// </summary>
    public override string Normalize(string value) => value.Normalize().ToLowerInvariant().Replace('\u0130', 'i');

    /// <inheritdoc />
    public override string? Check(object value, string field) =>
        value is string s && IsValidAddress(s) ? null : ValidationMessages.Email(field);

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema)
    {
        schema.Format = "email";
        schema.Description = AppendSentence(schema.Description, $"Trimmed and lower-cased; at most {MaxAddressLength} characters as RFC 5321 allows.");
    }

    /// <summary>The syntax check on an already normalised address.</summary>
    public static bool IsValidAddress(string address)
    {
        if (address.Length > MaxAddressLength) return false;
        var at = address.LastIndexOf('@');
        if (at <= 0 || at > 64 || at == address.Length - 1) return false;
        var local = address.AsSpan(0, at);
        var domain = address.AsSpan(at + 1);
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal)) return false;
        foreach (var c in local)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || AtextSymbols.Contains(c) || c > '\u007F' && char.IsLetterOrDigit(c)))
                return false;

        var labels = 0;
        var lastAllDigits = false;
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-') return false;
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
            lastAllDigits = !label.ContainsAnyExcept("0123456789");
            labels++;
        }
        return labels >= 2 && !lastAllDigits;
    }

    internal static string AppendSentence(string? description, string sentence) =>
        string.IsNullOrEmpty(description) ? sentence : $"{description} {sentence}";
}

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

/// <summary>A UUID in its canonical 8-4-4-4-12 hex form (RFC 9562), as goserve's <c>uuid</c> rule accepts it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class UuidAttribute : FieldRuleAttribute
{
    /// <summary>Reads a canonical UUID.</summary>
    public static bool TryParse(string value, out Guid id) => Guid.TryParseExact(value, "D", out id);

    /// <inheritdoc />
    public override string? Check(object value, string field) =>
        value is string s && TryParse(s, out _) ? null : ValidationMessages.Uuid(field);

    /// <inheritdoc />
    public override void Describe(OpenApiSchema schema) => schema.Format = "uuid";
}

/// <summary>Text equal to its upper-case form (goserve's <c>uppercase</c>: <c>"GO2"</c> passes, <c>"Go"</c> does not).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class UppercaseAttribute : FieldRuleAttribute
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

/// <summary>
/// A decimal integer within [<see cref="Minimum"/>, <see cref="Maximum"/>], bound as text so that a non-numeric query
/// value is a field message (<c>page must be an integer</c>) instead of a binding error; documented as an integer.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IntegerRangeAttribute(int minimum, int maximum) : FieldRuleAttribute
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

/// <summary>
/// Bounds on the elements of a list of strings (pair with <see cref="MinLengthAttribute"/> for the least count): at most
/// <see cref="MaxCount"/> elements, each non-empty once trimmed, at most <see cref="MaxItemLength"/> characters and,
/// when <see cref="Uppercase"/>, upper case. Null elements are refused.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ItemsAttribute(int maxCount, int maxItemLength) : FieldRuleAttribute
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
