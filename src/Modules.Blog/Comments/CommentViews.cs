using System.Linq.Expressions;
using System.Text.Json.Serialization;
using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Requests;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Comments;

/// <summary>A comment as every route answers it: <c>{ _id, blogId, text, author { _id, name, profilePicUrl? }, createdAt, updatedAt }</c>.</summary>
/// <param name="Id">Comment id: 24 hex digits (an ObjectID, like blog ids).</param>
/// <param name="BlogId">The blog it is about: 24 hex digits.</param>
/// <param name="Text">The text, trimmed.</param>
/// <param name="Author">The writer, as the Auth module knows them now.</param>
/// <param name="CreatedAt">When it was written.</param>
/// <param name="UpdatedAt">Its last edit (equal to <paramref name="CreatedAt"/> until edited).</param>
internal sealed record Comment(
    [property: JsonPropertyName("_id"), JsonConverter(typeof(BlogIdJsonConverter))] ObjectId Id,
    [property: JsonConverter(typeof(BlogIdJsonConverter))] ObjectId BlogId,
    string Text,
    BlogAuthor Author,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>A comment row as the lists read it: the columns of <see cref="Comment"/> with the writer's id, whose profile is asked for later.</summary>
internal sealed record CommentRow(ObjectId Id, ObjectId BlogId, Guid AuthorId, string Text, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>The list projection, translated to SQL so list queries read only these columns.</summary>
    public static readonly Expression<Func<BlogComment, CommentRow>> Select =
        c => new CommentRow(c.Id, c.BlogId, c.AuthorId, c.Text, c.CreatedAt, c.UpdatedAt);

    /// <summary>The view with <paramref name="author"/>'s profile.</summary>
    public Comment ToView(BlogAuthor author) => new(Id, BlogId, Text, author, CreatedAt, UpdatedAt);
}

/// <summary>One page of a blog's comment list as it is cached: the comments shown and every writer on the page, shown or
/// not, whose profile change must evict it (a deactivated writer's comments are left out, and come back on activation).</summary>
/// <param name="Comments">The comments whose writer the Auth module knows, oldest first.</param>
/// <param name="Writers">Every writer of the page's rows.</param>
internal sealed record CommentPage(IReadOnlyList<Comment> Comments, IReadOnlyList<Guid> Writers);

/// <summary>Mapping of entities to views.</summary>
internal static class CommentViews
{
    /// <summary>The view of <paramref name="comment"/> by <paramref name="author"/>.</summary>
    public static Comment ToView(this BlogComment comment, BlogAuthor author) =>
        new(comment.Id, comment.BlogId, comment.Text, author, comment.CreatedAt, comment.UpdatedAt);
}
