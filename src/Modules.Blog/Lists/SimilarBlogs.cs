using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Persistence;
using Microsoft.EntityFrameworkCore;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Lists;

/// <summary>
/// Full-text "more like this": the published blogs whose weighted document (title A, description B, the stored
/// <c>search_vector</c> column) best matches the source blog's title.
/// </summary>
/// <remarks>
/// The source title becomes an OR query: <c>plainto_tsquery</c> parses and stems it with the <c>english</c> configuration
/// (dropping stop words and punctuation safely), and its <c>&amp;</c> operators are turned into <c>|</c>, so a blog sharing any
/// title word matches, as MongoDB's <c>$text</c> search of the reference does; <c>plainto_tsquery</c> alone would demand
/// every word. <c>ts_rank</c> weighs labels {D, C, B, A} as {0.1, 0.2, 1/3, 1}, so a title hit counts three times a
/// description hit (the reference's weights 3 and 1). Ties go to the newest change, then the higher score.
/// </remarks>
internal static class SimilarBlogs
{
    public const int Limit = 6;

    /// <summary>Up to <see cref="Limit"/> similar blogs, or null when <paramref name="sourceId"/> is not published and active.</summary>
    public static async Task<ItemBlog[]?> FindAsync(BlogDbContext db, ObjectId sourceId, CancellationToken cancellationToken)
    {
        var source = await db.Blogs.AsNoTracking().PubliclyVisible().Where(b => b.Id == sourceId)
            .Select(b => new { b.Title }).FirstOrDefaultAsync(cancellationToken);
        if (source is null) return null;

        var rows = await Query(db, sourceId, source.Title).ToListAsync(cancellationToken);
        return rows.Select(r => new ItemBlog(new ObjectId(r.Id), r.Title, r.Description, r.Slug, r.ImgUrl, r.Score, r.Tags)).ToArray();
    }

    /// <summary>The ranking query; internal so a test can EXPLAIN exactly what runs.</summary>
    internal static IQueryable<SimilarBlogRow> Query(BlogDbContext db, ObjectId sourceId, string sourceTitle) =>
        db.Database.SqlQuery<SimilarBlogRow>($"""
            SELECT b.id AS "Id", b.title AS "Title", b.description AS "Description", b.slug AS "Slug",
                   b.img_url AS "ImgUrl", b.score AS "Score", b.tags AS "Tags"
            FROM blogs b,
                 (SELECT replace(plainto_tsquery('english', {sourceTitle})::text, ' & ', ' | ')::tsquery AS query) q
            WHERE b.search_vector @@ q.query AND b.published AND b.status AND b.id <> {sourceId.ToByteArray()}
            ORDER BY ts_rank(ARRAY[0.1, 0.2, 0.333333, 1.0]::real[], b.search_vector, q.query) DESC, b.updated_at DESC, b.score DESC
            LIMIT {Limit}
            """);

    /// <summary>One result row of <see cref="Query"/>.</summary>
    internal sealed class SimilarBlogRow
    {
        /// <summary>The id's 12 bytes: <c>SqlQuery</c> rows get no value converter.</summary>
        public required byte[] Id { get; init; }
        public required string Title { get; init; }
        public required string Description { get; init; }
        public required string Slug { get; init; }
        public string? ImgUrl { get; init; }
        public double Score { get; init; }
        public required List<string> Tags { get; init; }
    }
}
