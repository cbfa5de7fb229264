namespace GoMicro.Shared.Web.Validation;

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
