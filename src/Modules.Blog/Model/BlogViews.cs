using System.Linq.Expressions;
using System.Text.Json.Serialization;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Modules.Blog.Requests;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Model;

/// <summary>The author inside a blog view: <c>{ _id, name, profilePicUrl? }</c>.</summary>
/// <param name="Id">The author's user id.</param>
/// <param name="Name">Display name.</param>
/// <param name="ProfilePicUrl">Picture URL; omitted when none.</param>
internal sealed record BlogAuthor([property: JsonPropertyName("_id")] Guid Id, string Name, string? ProfilePicUrl);

/// <summary>A published blog as anyone reads it (<c>GET /blog/id/{id}</c>, <c>GET /blog/slug/{slug}</c>).</summary>
/// <param name="Id">Blog id: 24 hex digits (an ObjectID).</param>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="Text">The published text.</param>
/// <param name="Slug">URL slug.</param>
/// <param name="Author">The author.</param>
/// <param name="ImgUrl">Cover image; omitted when none.</param>
/// <param name="Score">Ranking score, 0..1.</param>
/// <param name="Tags">Upper-case tags.</param>
/// <param name="PublishedAt">When the blog was first published.</param>
internal sealed record PublicBlog(
    [property: JsonPropertyName("_id"), JsonConverter(typeof(BlogIdJsonConverter))] ObjectId Id,
    string Title,
    string Description,
    string Text,
    string Slug,
    BlogAuthor Author,
    string? ImgUrl,
    double Score,
    IReadOnlyList<string> Tags,
    DateTimeOffset? PublishedAt);

/// <summary>A blog as its author and the editors see it, with its draft and workflow state.</summary>
/// <param name="Id">Blog id: 24 hex digits (an ObjectID).</param>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="Text">The published text; omitted until first published.</param>
/// <param name="DraftText">The text being written.</param>
/// <param name="Slug">URL slug.</param>
/// <param name="Author">The author.</param>
/// <param name="ImgUrl">Cover image; omitted when none.</param>
/// <param name="Score">Ranking score, 0..1.</param>
/// <param name="Tags">Upper-case tags.</param>
/// <param name="Submitted">Waiting for an editor.</param>
/// <param name="Drafted">Being written (not published).</param>
/// <param name="Published">Publicly visible.</param>
/// <param name="PublishedAt">When first published; omitted before.</param>
/// <param name="CreatedAt">Creation time.</param>
/// <param name="UpdatedAt">Last change.</param>
internal sealed record PrivateBlog(
    [property: JsonPropertyName("_id"), JsonConverter(typeof(BlogIdJsonConverter))] ObjectId Id,
    string Title,
    string Description,
    string? Text,
    string DraftText,
    string Slug,
    BlogAuthor Author,
    string? ImgUrl,
    double Score,
    IReadOnlyList<string> Tags,
    bool Submitted,
    bool Drafted,
    bool Published,
    DateTimeOffset? PublishedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A blog in a list: the reference's <c>ItemBlog</c> (public lists) and <c>InfoBlog</c> (author and editor lists)
/// have this same shape, <c>{ _id, title, description, slug, imgUrl?, score, tags }</c>.</summary>
/// <param name="Id">Blog id: 24 hex digits (an ObjectID).</param>
/// <param name="Title">Title.</param>
/// <param name="Description">Description.</param>
/// <param name="Slug">URL slug.</param>
/// <param name="ImgUrl">Cover image; omitted when none.</param>
/// <param name="Score">Ranking score, 0..1.</param>
/// <param name="Tags">Upper-case tags.</param>
internal sealed record ItemBlog(
    [property: JsonPropertyName("_id"), JsonConverter(typeof(BlogIdJsonConverter))] ObjectId Id,
    string Title,
    string Description,
    string Slug,
    string? ImgUrl,
    double Score,
    IReadOnlyList<string> Tags);

/// <summary>Maps rows to views.</summary>
internal static class BlogViews
{
    public static PrivateBlog ToPrivate(this BlogPost blog, BlogAuthor author) =>
        new(blog.Id, blog.Title, blog.Description, blog.Text, blog.DraftText, blog.Slug, author, blog.ImgUrl, blog.Score, blog.Tags,
            blog.Submitted, blog.Drafted, blog.Published, blog.PublishedAt, blog.CreatedAt, blog.UpdatedAt);

    public static PublicBlog ToPublic(this BlogPost blog, BlogAuthor author) =>
        new(blog.Id, blog.Title, blog.Description, blog.Text ?? "", blog.Slug, author, blog.ImgUrl, blog.Score, blog.Tags, blog.PublishedAt);

    /// <summary>The list projection, translated to SQL so list queries read only these columns.</summary>
    public static readonly Expression<Func<BlogPost, ItemBlog>> Item =
        b => new ItemBlog(b.Id, b.Title, b.Description, b.Slug, b.ImgUrl, b.Score, b.Tags);
}
