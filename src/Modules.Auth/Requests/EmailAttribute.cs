using GoMicro.Shared.Web.Validation;
using Microsoft.OpenApi;

namespace GoMicro.Modules.Auth.Requests;

/// <summary>
/// An email address, normalised to lower case the way the Auth database compares it and limited as SMTP limits it
/// (RFC 5321 section 4.5.3.1: local part at most 64 octets, the whole path at most 254 characters, domain labels at
/// most 63). Accepts a dot-atom local part (RFC 5322 section 3.2.3; letters outside ASCII as RFC 6531 allows) and a
/// host name of at least two LDH labels (a dot in the domain; IDNs as A-labels, RFC 5890), the last one not numeric.
/// Quoted local parts and address literals are refused: no client of ours sends them.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class EmailAttribute : FieldRuleAttribute
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
