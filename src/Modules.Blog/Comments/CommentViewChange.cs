using GoMicro.Modules.Blog.Caching;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Shared.Persistence.Outbox;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Comments;

/// <summary>
/// A committed change of a comment (new, edited, deleted), which makes every cached page of its blog's comment list old.
/// Written to the Blog database's outbox in the change's transaction and delivered by a running instance's dispatcher,
/// exactly as <see cref="BlogViewChange"/> is, so a crash between the commit and the cache loses no invalidation.
/// (A blog's own changes, published, unpublished or deleted, reach its comment list through <see cref="BlogViewChange"/>.)
/// </summary>
/// <param name="BlogId">The blog's id as its 24 hex digits.</param>
/// <param name="Generation">The generation the change's own process writes right after the commit.</param>
internal sealed record CommentViewChange(string BlogId, string Generation)
{
    /// <summary>The outbox subject (a local handler's, not a bus subject).</summary>
    public const string Subject = "blog.comments-changed";

    /// <summary>A change of a comment on blog <paramref name="blogId"/>.</summary>
    public static CommentViewChange Of(ObjectId blogId) => new(blogId.ToString(), BlogCache.NewGeneration());

    /// <summary>Adds this change to <paramref name="db"/>'s outbox, inside the caller's open transaction.</summary>
    public void Record(BlogDbContext db) => db.AddOutboxMessage(Subject, this);
}
