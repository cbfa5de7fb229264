using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.Web.Validation;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Author;

/// <summary>Body of <c>POST /blog/author</c>; every field is required. Strings are trimmed before they are checked.</summary>
internal sealed class CreateBlogRequest
{
    /// <summary>3–500 characters.</summary>
    [Required, StringLength(500, MinimumLength = 3)] public string? Title { get; init; }
    /// <summary>3–2000 characters; may span lines.</summary>
    [Required, StringLength(2000, MinimumLength = 3), Multiline] public string? Description { get; init; }
    /// <summary>The text, up to 50 000 characters; it becomes public when an editor publishes the blog.</summary>
    [Required, StringLength(50_000), Multiline] public string? DraftText { get; init; }
    /// <summary>3–200 characters; normalised (whitespace and <c>?</c> removed, <c>/</c> becomes <c>-</c>) and unique.</summary>
    [Required, StringLength(200, MinimumLength = 3)] public string? Slug { get; init; }
    /// <summary>Absolute http(s) URL of the cover image, up to 200 characters.</summary>
    [Required, StringLength(200), HttpUrl] public string? ImgUrl { get; init; }
    /// <summary>1–20 tags, each upper case and at most 50 characters.</summary>
    [Required, MinLength(1), Items(BlogRules.MaxTags, BlogRules.MaxTagLength, Uppercase = true)] public List<string>? Tags { get; init; }
}

/// <summary>Body of <c>PUT /blog/author</c>: the blog's <c>_id</c> and any create fields to change, with the same rules.</summary>
internal sealed class UpdateBlogRequest
{
    /// <summary>The blog to change.</summary>
    [JsonPropertyName("_id"), Required, BlogId] public string? Id { get; init; }
    /// <summary>3–500 characters.</summary>
    [StringLength(500, MinimumLength = 3)] public string? Title { get; init; }
    /// <summary>3–2000 characters; may span lines.</summary>
    [StringLength(2000, MinimumLength = 3), Multiline] public string? Description { get; init; }
    /// <summary>Up to 50 000 characters.</summary>
    [StringLength(50_000), Multiline] public string? DraftText { get; init; }
    /// <summary>3–200 characters; normalised and unique.</summary>
    [StringLength(200, MinimumLength = 3)] public string? Slug { get; init; }
    /// <summary>Absolute http(s) URL, up to 200 characters.</summary>
    [StringLength(200), HttpUrl] public string? ImgUrl { get; init; }
    /// <summary>1–20 tags, each upper case and at most 50 characters.</summary>
    [MinLength(1), Items(BlogRules.MaxTags, BlogRules.MaxTagLength, Uppercase = true)] public List<string>? Tags { get; init; }

    /// <summary>The validated id.</summary>
    public ObjectId BlogId() => BlogIds.Parse(Id!);
}
