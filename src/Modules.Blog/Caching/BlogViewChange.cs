using GoMicro.Modules.Blog.Persistence;
using GoMicro.Shared.Persistence.Outbox;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Caching;

/// <summary>
/// The cached views one committed change of a blog makes old: the blog by id, by each slug it had or has, and, when
/// <paramref name="PublicListsAffected"/> (it was or is published), every similar list and every cached first page of
/// the latest and tag lists. Written to the Blog database's
/// outbox in the change's own transaction (<see cref="Record"/>), so the invalidation commits or rolls back with the
/// change and survives a crash right after the commit: the dispatcher of any running instance applies it
/// (<see cref="BlogCache.ApplyDeliveredAsync"/>), locally, never on the bus.
/// </summary>
/// <param name="BlogId">The blog's id as its 24 hex digits (an <see cref="ObjectId"/> string, so the payload stays plain JSON).</param>
/// <param name="Slugs">Its slug at the change and, when the change renamed it, the old one.</param>
/// <param name="PublicListsAffected">True when the blog was or is published, so any public list (similar,
/// latest, by tag) may have changed.</param>
/// <param name="Generation">The cache generation the change's own process writes right after the commit
/// (<see cref="BlogCache.InvalidateAsync"/>): its delivery finds it in Redis when that write happened, and has nothing to do.</param>
internal sealed record BlogViewChange(string BlogId, string[] Slugs, bool PublicListsAffected, string Generation)
{
    /// <summary>The outbox subject (a local handler's, not a bus subject: the cache's backplane reaches the other instances).</summary>
    public const string Subject = "blog.views-changed";

    /// <summary>The change of blog <paramref name="id"/> whose slugs were <paramref name="slugs"/>.</summary>
    public static BlogViewChange Of(ObjectId id, IEnumerable<string> slugs, bool publicListsAffected) =>
        new(id.ToString(), slugs.Distinct(StringComparer.Ordinal).ToArray(), publicListsAffected, BlogCache.NewGeneration());

    /// <summary>Adds this change to <paramref name="db"/>'s outbox; the caller's next <c>SaveChanges</c> writes it inside
    /// the caller's open transaction, which must also hold the change itself.</summary>
    public void Record(BlogDbContext db) => db.AddOutboxMessage(Subject, this);
}

/// <summary>A cache invalidation did not reach Redis; the outbox delivers it again later. Internal: never reaches a client.</summary>
internal sealed class BlogCacheUnavailableException(string key)
    : Exception($"The new cache generation of {key} did not reach Redis.");
