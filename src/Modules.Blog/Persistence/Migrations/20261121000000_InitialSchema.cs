using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace GoMicro.Modules.Blog.Persistence.Migrations;

/// <summary>
/// The Blog schema, written by hand (EF Core's design-time package does not restore here). Every index exists for a
/// query the module runs, and the integration tests check with <c>EXPLAIN</c> that the planner can use it:
/// <list type="bullet">
/// <item><c>ux_blogs_slug</c>: slug uniqueness (two concurrent creates of one slug end in one success and one 400) and the public read by slug.</item>
/// <item><c>ix_blogs_published_latest</c>: the public latest list and the editor's published list, already in their order,
/// partial on the published-and-active rows they read.</item>
/// <item><c>ix_blogs_tags</c>: GIN over the tag array for the list by tag (array containment), same partial predicate; the
/// planner uses it for selective tags and walks <c>ix_blogs_published_latest</c> in order for common ones.</item>
/// <item><c>ix_blogs_author</c>: an author's own lists (drafts, submitted, published), in list order.</item>
/// <item><c>ix_blogs_submitted</c>: the editor's queue of submitted blogs, in list order.</item>
/// <item><c>ix_blogs_search</c>: GIN over <c>search_vector</c>, the weighted full-text document (title A, description B)
/// that PostgreSQL keeps up to date as a stored generated column, for the similar-blogs list.</item>
/// </list>
/// </summary>
[DbContext(typeof(BlogDbContext))]
[Migration("20261121000000_InitialSchema")]
internal sealed class InitialSchema : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("""
            CREATE TABLE blogs (
                id           uuid PRIMARY KEY,
                title        text NOT NULL,
                description  text NOT NULL,
                text         text NULL,
                draft_text   text NOT NULL,
                tags         text[] NOT NULL,
                author_id    uuid NOT NULL,
                img_url      text NULL,
                slug         text NOT NULL,
                score        double precision NOT NULL DEFAULT 0.01,
                submitted    boolean NOT NULL DEFAULT false,
                drafted      boolean NOT NULL DEFAULT true,
                published    boolean NOT NULL DEFAULT false,
                status       boolean NOT NULL DEFAULT true,
                published_at timestamptz NULL,
                created_by   uuid NOT NULL,
                updated_by   uuid NOT NULL,
                created_at   timestamptz NOT NULL,
                updated_at   timestamptz NOT NULL,
                search_vector tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, title), 'A') ||
                    setweight(to_tsvector('english'::regconfig, description), 'B')) STORED,
                CONSTRAINT ck_blogs_score CHECK (score >= 0 AND score <= 1),
                CONSTRAINT ck_blogs_tags CHECK (cardinality(tags) >= 1)
            );
            CREATE UNIQUE INDEX ux_blogs_slug ON blogs (slug);
            CREATE INDEX ix_blogs_published_latest ON blogs (updated_at DESC, score DESC, id DESC) WHERE published AND status;
            CREATE INDEX ix_blogs_tags ON blogs USING gin (tags) WHERE published AND status;
            -- Tags have a long tail: a bigger sample lets the planner see that a rare tag is rare (GIN index, then sort)
            -- and a common one common (walk ix_blogs_published_latest in order until the page is full).
            ALTER TABLE blogs ALTER COLUMN tags SET STATISTICS 1000;
            CREATE INDEX ix_blogs_author ON blogs (author_id, updated_at DESC, score DESC, id DESC) WHERE status;
            CREATE INDEX ix_blogs_submitted ON blogs (updated_at DESC, score DESC, id DESC) WHERE submitted AND status;
            CREATE INDEX ix_blogs_search ON blogs USING gin (search_vector) WHERE published AND status;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql("DROP TABLE blogs;");
    }
}
