using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using GoMicro.Modules.Blog.Requests;

namespace GoMicro.Modules.Blog.Author;

/// <summary>Body of <c>POST /blog/author</c>; every field is required.</summary>
public sealed class CreateBlogRequest
{
    /// <summary>3–500 characters.</summary>
    [Required, StringLength(500, MinimumLength = 3)] public string? Title { get; init; }
    /// <summary>3–2000 characters.</summary>
    [Required, StringLength(2000, MinimumLength = 3)] public string? Description { get; init; }
    /// <summary>The text, up to 50 000 characters; it becomes public when an editor publishes the blog.</summary>
    [Required, StringLength(50_000)] public string? DraftText { get; init; }
    /// <summary>3–200 characters; normalised (whitespace and <c>?</c> removed, <c>/</c> becomes <c>-</c>) and unique.</summary>
    [Required, StringLength(200, MinimumLength = 3)] public string? Slug { get; init; }
    /// <summary>Absolute URI of the cover image, up to 200 characters.</summary>
    [Required, AbsoluteUri, StringLength(200)] public string? ImgUrl { get; init; }
    /// <summary>At least one tag, each upper case.</summary>
    [Required, MinLength(1), UppercaseItems] public List<string>? Tags { get; init; }
}

/// <summary>Body of <c>PUT /blog/author</c>: the blog's <c>_id</c> and any create fields to change, with the same rules.</summary>
public sealed class UpdateBlogRequest
{
    /// <summary>The blog to change.</summary>
    [JsonPropertyName("_id"), Required(ErrorMessage = "The _id field is required"), Uuid(ErrorMessage = "The _id field is not a valid UUID")]
    public string? Id { get; init; }
    /// <summary>3–500 characters.</summary>
    [StringLength(500, MinimumLength = 3)] public string? Title { get; init; }
    /// <summary>3–2000 characters.</summary>
    [StringLength(2000, MinimumLength = 3)] public string? Description { get; init; }
    /// <summary>Up to 50 000 characters.</summary>
    [StringLength(50_000)] public string? DraftText { get; init; }
    /// <summary>3–200 characters; normalised and unique.</summary>
    [StringLength(200, MinimumLength = 3)] public string? Slug { get; init; }
    /// <summary>Absolute URI, up to 200 characters.</summary>
    [AbsoluteUri, StringLength(200)] public string? ImgUrl { get; init; }
    /// <summary>At least one tag, each upper case.</summary>
    [MinLength(1), UppercaseItems] public List<string>? Tags { get; init; }

    /// <summary>The validated id.</summary>
    public Guid BlogId() => Guid.Parse(Id!);
}
