using System.Data.Common;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Blog.Comments;
using GoMicro.Modules.Blog.Lists;
using GoMicro.Modules.Blog.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using MongoDB.Bson;
using Npgsql;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// Every list and lookup the Blog module runs is served by an index of its migration: the test runs the module's own
/// queries (the compiled lists and the extension methods the endpoints use), lets EF Core send them, and EXPLAINs each command as sent,
/// parameters included, on a table of some twenty thousand analysed rows, with sequential scans disabled.
/// </summary>
public sealed class BlogIndexTests(BlogIndexTests.PopulatedBlogDatabase topology) : IClassFixture<BlogIndexTests.PopulatedBlogDatabase>
{
    public static TheoryData<string, string> Queries => new()
    {
        { "public latest list", "ix_blogs_published_latest" },
        { "public tag list, rare tag", "ix_blogs_tags" },
        { "public tag list, common tag", "ix_blogs_published_latest" },
        { "public blog by slug", "ux_blogs_slug" },
        { "public blog by id", "blogs_pkey" },
        { "similar blogs", "ix_blogs_search" },
        { "author drafts", "ix_blogs_author" },
        { "author submitted", "ix_blogs_author" },
        { "author published", "ix_blogs_author" },
        { "editor submitted", "ix_blogs_submitted" },
        { "editor published", "ix_blogs_published_latest" },
        { "a blog's comments", "ix_comments_blog" },
        { "a writer's comments", "ix_comments_author" },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task The_query_is_served_by_its_index(string query, string index)
    {
        var explainer = new ExplainingInterceptor();
        await using var db = new BlogDbContext(new DbContextOptionsBuilder<BlogDbContext>()
            .UseNpgsql(topology.BlogDatabase.ConnectionString)
            .AddInterceptors(explainer)
            .Options);
        var blogs = db.Blogs.AsNoTracking();
        var author = Guid.NewGuid();

        _ = query switch
        {
            "public latest list" => await BlogQueries.CompileActivePage(BlogQueries.IsPublished)(db, 0, 10).ToListAsync(),
            "public tag list, rare tag" => await BlogQueries.CompileTaggedPage()(db, ["DOTNET"], 0, 10).ToListAsync(),
            "public tag list, common tag" => await BlogQueries.CompileTaggedPage()(db, ["BULK"], 0, 10).ToListAsync(),
            "public blog by slug" => await blogs.PubliclyVisible().Where(b => b.Slug == "some-slug").Select(b => b.Id).ToListAsync(),
            "public blog by id" => await blogs.PubliclyVisible().Where(b => b.Id == ObjectId.GenerateNewId()).Select(b => b.Id).ToListAsync(),
            "similar blogs" => (object)await SimilarBlogs.Query(db, ObjectId.GenerateNewId(), "Full-text search with PostgreSQL").ToListAsync(),
            "author drafts" => await BlogQueries.CompileOwnedPage(BlogQueries.IsDrafted)(db, author, 0, 10).ToListAsync(),
            "author submitted" => await BlogQueries.CompileOwnedPage(BlogQueries.IsSubmitted)(db, author, 0, 10).ToListAsync(),
            "author published" => await BlogQueries.CompileOwnedPage(BlogQueries.IsPublished)(db, author, 0, 10).ToListAsync(),
            "editor submitted" => await BlogQueries.CompileActivePage(BlogQueries.IsSubmitted)(db, 0, 10).ToListAsync(),
            "editor published" => await BlogQueries.CompileActivePage(BlogQueries.IsPublished)(db, 0, 10).ToListAsync(),
            "a blog's comments" => await CommentQueries.CompileBlogPage()(db, ObjectId.GenerateNewId(), 0, 10).ToListAsync(),
            "a writer's comments" => await CommentQueries.CompileWriterPage()(db, author, 0, 10).ToListAsync(),
            _ => throw new ArgumentOutOfRangeException(nameof(query)),
        };

        var (sql, plan) = Assert.Single(explainer.Plans);
        Assert.True(plan.Contains(index, StringComparison.Ordinal) && !plan.Contains("Seq Scan", StringComparison.Ordinal),
            $"expected {index} in the plan of{Environment.NewLine}{sql}{Environment.NewLine}{plan}");
    }

    /// <summary>The monolith on a Blog database holding 20 000 blogs of 500 authors in every state, with 100 tags and
    /// varied titles, and 20 000 comments of 500 writers on 200 blogs (one in 20 deleted), analysed, so the planner's choices are those of a real table rather than of a handful of rows.</summary>
    public sealed class PopulatedBlogDatabase : MonolithTopology
    {
        /// <inheritdoc />
        protected override async Task StartHostsAsync()
        {
            await base.StartHostsAsync();
            await BlogDatabase.ScalarAsync<int>("""
                INSERT INTO blogs (id, title, description, text, draft_text, tags, author_id, slug, score,
                                   submitted, drafted, published, status, published_at, created_by, updated_by, created_at, updated_at)
                SELECT substring(uuid_send(gen_random_uuid()) FROM 1 FOR 12),
                       'Bulk word' || (i % 997) || ' word' || (i % 211) || ' number ' || i,
                       'About word' || (i % 389) || ' and more',
                       'text', 'text',
                       ARRAY['TAG' || (i % 100), 'BULK'],
                       ('00000000-0000-7000-8000-' || lpad((i % 500)::text, 12, '0'))::uuid,
                       'bulk-' || i, random(),
                       i % 10 = 1, i % 10 IN (1, 2), i % 10 > 2, i % 50 <> 0,
                       now(), gen_random_uuid(), gen_random_uuid(),
                       now() - i * interval '1 minute', now() - i * interval '1 minute'
                FROM generate_series(1, 20000) AS i;
                ANALYZE blogs;
                INSERT INTO comments (id, blog_id, author_id, text, status, updated_by, created_at, updated_at)
                SELECT substring(uuid_send(gen_random_uuid()) FROM 1 FOR 12),
                       decode(lpad(to_hex(i % 200), 24, '0'), 'hex'),
                       ('00000000-0000-7000-8000-' || lpad((i % 500)::text, 12, '0'))::uuid,
                       'Comment ' || i, i % 20 <> 0, gen_random_uuid(),
                       now() - i * interval '1 minute', now() - i * interval '1 minute'
                FROM generate_series(1, 20000) AS i;
                ANALYZE comments;
                SELECT 1;
                """);
        }
    }

    /// <summary>EXPLAINs every query EF Core sends, on the same connection, before letting it run.</summary>
    private sealed class ExplainingInterceptor : DbCommandInterceptor
    {
        public List<(string Sql, string Plan)> Plans { get; } = [];

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await using (var settings = command.Connection!.CreateCommand())
            {
                settings.CommandText = "SET enable_seqscan = off";
                settings.Transaction = command.Transaction;
                await settings.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var explain = (NpgsqlCommand)command.Connection.CreateCommand();
            explain.Transaction = (NpgsqlTransaction?)command.Transaction;
            explain.CommandText = "EXPLAIN " + command.CommandText;
            foreach (NpgsqlParameter parameter in command.Parameters) explain.Parameters.Add(parameter.Clone());
            var lines = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken)) lines.Add(reader.GetString(0));
            Plans.Add((command.CommandText, string.Join(Environment.NewLine, lines)));
            return result;
        }
    }
}
