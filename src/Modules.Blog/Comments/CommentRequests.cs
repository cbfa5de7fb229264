using System.ComponentModel.DataAnnotations;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Mvc;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Comments;

/// <summary>Limits of a comment (issue 34).</summary>
internal static class CommentRules
{
    /// <summary>Longest text, in characters after trimming.</summary>
    public const int MaxTextLength = 2000;
}

/// <summary>Body of <c>POST /blog/comment</c>. Strings are trimmed before they are checked; every string refuses NUL,
/// control (line breaks and tabs allowed in the text), bidi-override and lone-surrogate characters.</summary>
internal sealed class CreateCommentRequest
{
    /// <summary>The published blog to comment on: 24 hex digits.</summary>
    [Required, BlogId] public string? BlogId { get; init; }

    /// <summary>1-2000 characters after trimming; may span lines.</summary>
    [Required, StringLength(CommentRules.MaxTextLength, MinimumLength = 1), Multiline] public string? Text { get; init; }

    /// <summary>The validated blog id.</summary>
    public ObjectId Blog() => BlogIds.Parse(BlogId!);
}

/// <summary>Body of <c>PUT /blog/comment/id/{id}</c>: the new text, with the same rules.</summary>
internal sealed class UpdateCommentRequest
{
    /// <summary>1-2000 characters after trimming; may span lines.</summary>
    [Required, StringLength(CommentRules.MaxTextLength, MinimumLength = 1), Multiline] public string? Text { get; init; }
}

/// <summary>Route value <c>{id}</c> of the comment routes: a comment id, which looks like a blog id (an ObjectID).</summary>
internal sealed class CommentIdRoute
{
    /// <summary>The comment id: 24 hex digits.</summary>
    [FromRoute(Name = "id"), Required, BlogId] public string? Id { get; init; }

    /// <summary>The validated id.</summary>
    public ObjectId Value() => BlogIds.Parse(Id!);
}
