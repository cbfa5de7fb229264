using GoMicro.Modules.Blog.Caching;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>
/// State changes written as one conditional <c>UPDATE ... WHERE &lt;state&gt; RETURNING</c>: PostgreSQL re-checks the
/// condition on the row's latest version after waiting for its lock, so of two concurrent requests (two editors
/// publishing one blog) exactly one matches and the other sees zero rows; and the returned slug is the one at the
/// moment of the change, which is what the cache must invalidate.
/// </summary>
internal static class BlogChanges
{
    /// <summary>What a change touched: its slug at that moment and whether it is published after it.</summary>
    internal sealed class ChangedBlog
    {
        public required string Slug { get; init; }
        public bool Published { get; init; }
    }

    /// <summary>Runs <paramref name="update"/>, which must end in <c>RETURNING slug AS "Slug", published AS "Published"</c>.</summary>
    /// <returns>The changed row, or null when the condition matched nothing.</returns>
    public static async Task<ChangedBlog?> ApplyAsync(this BlogDbContext db, FormattableString update, CancellationToken cancellationToken)
    {
        var rows = await db.Database.SqlQuery<ChangedBlog>(update).ToListAsync(cancellationToken);
        return rows.SingleOrDefault();
    }

    /// <summary>
    /// Commits the caller's open transaction (which holds a change made with <see cref="ApplyAsync"/>) together with
    /// <paramref name="change"/> in the outbox, then invalidates the cache at once (<see cref="BlogCache.InvalidateAsync"/>).
    /// </summary>
    public static async Task CommitWithAsync(this BlogDbContext db, BlogViewChange change, BlogCache cache, CancellationToken cancellationToken)
    {
        change.Record(db);
        await db.SaveChangesAsync(cancellationToken);
        await db.Database.CommitTransactionAsync(cancellationToken);
        await cache.InvalidateAsync(change);
    }

    /// <summary>Now, truncated to PostgreSQL's microsecond precision so a view built from memory equals the one read back.</summary>
    public static DateTimeOffset Timestamp(this TimeProvider time)
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }
}
