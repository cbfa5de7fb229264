using System.Text;

namespace GoMicro.Modules.Blog.Model;

/// <summary>The reference's slug normalisation, applied on create and update before uniqueness is checked.</summary>
internal static class Slugs
{
    /// <summary>Removes whitespace and <c>?</c> and replaces <c>/</c> with <c>-</c>: <c>"my first/post?"</c> becomes <c>"myfirst-post"</c>.</summary>
    public static string Normalize(string slug)
    {
        var normalized = new StringBuilder(slug.Length);
        foreach (var c in slug)
        {
            if (char.IsWhiteSpace(c) || c == '?') continue;
            normalized.Append(c == '/' ? '-' : c);
        }
        return normalized.ToString();
    }
}
