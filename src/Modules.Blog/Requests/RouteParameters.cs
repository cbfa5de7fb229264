using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Requests;

/// <summary>Route value <c>{id}</c>: a blog id. Bound as text and checked by the validation filter, so a malformed id is a 400 in the envelope.</summary>
internal sealed class BlogIdRoute
{
    /// <summary>The blog id (see <see cref="BlogIds"/>).</summary>
    [FromRoute(Name = "id"), Required, BlogId] public string? Id { get; init; }

    /// <summary>The validated id.</summary>
    public ObjectId Value() => BlogIds.Parse(Id!);
}

/// <summary>Route value <c>{slug}</c>: 3–200 characters, looked up as given.</summary>
internal sealed class BlogSlugRoute
{
    /// <summary>The slug.</summary>
    [FromRoute(Name = "slug"), Required, StringLength(200, MinimumLength = 3)] public string? Slug { get; init; }
}

/// <summary>Route value <c>{tag}</c>: an upper-case tag.</summary>
internal sealed class BlogTagRoute
{
    /// <summary>The tag, e.g. <c>DOTNET</c>; at most <see cref="BlogRules.MaxTagLength"/> characters.</summary>
    [FromRoute(Name = "tag"), Required, StringLength(BlogRules.MaxTagLength), Uppercase] public string? Tag { get; init; }
}

/// <summary>
/// <c>?page=&amp;limit=</c> on every list: both required, each an integer from 1 to 1000 (documented as integers).
/// Bound as text so that a missing, out-of-range or non-numeric value is reported the same way: 400 in the envelope
/// naming the field.
/// </summary>
internal sealed class PageQuery
{
    /// <summary>Largest accepted page number and page size.</summary>
    public const int Maximum = 1000;

    /// <summary>1-based page number.</summary>
    [FromQuery(Name = "page"), Required, IntegerRange(1, Maximum)] public string? Page { get; init; }

    /// <summary>Page size.</summary>
    [FromQuery(Name = "limit"), Required, IntegerRange(1, Maximum)] public string? Limit { get; init; }

    /// <summary>Rows to skip: (page - 1) × limit.</summary>
    public int Skip() => (int.Parse(Page!) - 1) * Take();

    /// <summary>Rows to return: the limit.</summary>
    public int Take() => int.Parse(Limit!);
}

/// <summary>Limits of blog fields beyond api.md's (issue 14: tags were unbounded).</summary>
internal static class BlogRules
{
    /// <summary>Most tags a blog may have.</summary>
    public const int MaxTags = 20;
    /// <summary>Longest tag, in characters.</summary>
    public const int MaxTagLength = 50;
}
