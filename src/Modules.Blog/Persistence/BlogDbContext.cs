using GoMicro.Shared.Persistence;
using GoMicro.Shared.Persistence.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>
/// The Blog module's database. Internal: nothing outside the module reaches its table. This model is the source of the
/// schema: migrations are generated from it with <c>dotnet ef migrations add</c> (see docs/development.md, Migrations). Every index exists for
/// a query the module runs, and the integration tests check with <c>EXPLAIN</c> that the planner can use it:
/// <list type="bullet">
/// <item><c>ux_blogs_slug</c>: slug uniqueness (two concurrent creates of one slug end in one success and one 400) and the public read by slug.</item>
/// <item><c>ix_blogs_published_latest</c>: the public latest list and the editor's published list, already in their order,
/// partial on the published-and-active rows they read.</item>
/// <item><c>ix_blogs_tags</c>: GIN over the tag array for the list by tag (array containment), same partial predicate; the
/// planner uses it for selective tags and walks <c>ix_blogs_published_latest</c> in order for common ones.</item>
/// <item><c>ix_blogs_author</c>: an author's own lists (drafts, submitted, published), in list order.</item>
/// <item><c>ix_blogs_submitted</c>: the editor's queue of submitted blogs, in list order.</item>
/// </list>
/// The full-text column <c>search_vector</c> and its index <c>ix_blogs_search</c> are not in the model: only
/// <see cref="Lists.SimilarBlogs"/>' SQL reads them, and mapping the column would make EF read a tsvector with every
/// blog it loads. They, and the statistics target of <c>tags</c> (which EF's model cannot hold), are SQL in the migration
/// that creates the table (<see cref="Migrations.InitialSchema"/>).
/// Comments (<c>comments</c>) have their own two list indexes, described with their model (<see cref="Comments.CommentModel"/>).
/// The outbox (<c>outbox_messages</c>, <see cref="OutboxModel"/>) holds the cache invalidations of committed changes
/// until a running instance has applied them (<see cref="Caching.BlogViewChange"/>).
/// </summary>
internal sealed class BlogDbContext(DbContextOptions<BlogDbContext> options) : DbContext(options)
{
    /// <summary>Migration history table: its own name, so the Blog schema can share a database with another module's.</summary>
    public const string MigrationsHistoryTable = "__blog_migrations_history";

    /// <summary>The unique index behind "Blog with slug: ... already exists".</summary>
    public const string SlugIndex = "ux_blogs_slug";

    /// <summary>The rows the public lists read; the partial indexes cover only them.</summary>
    private const string PublishedAndActive = "published AND status";

    public DbSet<BlogPost> Blogs => Set<BlogPost>();

    /// <summary>Comments on blogs (issue 34; their table and indexes: <see cref="Comments.CommentModel"/>).</summary>
    public DbSet<Comments.BlogComment> Comments => Set<Comments.BlogComment>();

    /// <summary>The Npgsql settings shared by the running module and the design-time factory, so the migrations the tool
    /// generates are the ones the module applies.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseModuleNpgsql(connectionString, "blog", npgsql => npgsql.MigrationsHistoryTable(MigrationsHistoryTable));

    /// <summary>
    /// A blog id is an <see cref="ObjectId"/> in code and its 12 bytes (<c>bytea</c>, held to 12 by <c>ck_blogs_id</c>) in
    /// the database (ADR 0021): byte order is ObjectID order, so the id columns of the list indexes sort by creation time.
    /// EF does not convert the parameters and rows of raw SQL, so that SQL passes and reads the bytes
    /// (<see cref="ObjectId.ToByteArray()"/>).
    /// </summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configuration)
    {
        configuration.Properties<ObjectId>().HaveConversion<ObjectIdBytesConverter>();
    }

    /// <summary>An <see cref="ObjectId"/> as its 12 bytes.</summary>
    private sealed class ObjectIdBytesConverter() : ValueConverter<ObjectId, byte[]>(id => id.ToByteArray(), bytes => new ObjectId(bytes));

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<BlogPost>(e =>
        {
            e.ToTable("blogs", t =>
            {
                t.HasCheckConstraint("ck_blogs_score", "score >= 0 AND score <= 1");
                t.HasCheckConstraint("ck_blogs_tags", "cardinality(tags) >= 1");
                t.HasCheckConstraint("ck_blogs_id", "octet_length(id) = 12");
            });
            e.HasKey(b => b.Id).HasName("blogs_pkey");
            e.Property(b => b.Id).ValueGeneratedNever();
            e.Property(b => b.Score).HasColumnDefault(BlogPost.InitialScore);
            e.Property(b => b.Submitted).HasColumnDefault(false);
            e.Property(b => b.Drafted).HasColumnDefault(true);
            e.Property(b => b.Published).HasColumnDefault(false);
            e.Property(b => b.Status).HasColumnDefault(true);
            e.HasIndex(b => b.Slug).IsUnique().HasDatabaseName(SlugIndex);
            e.HasIndex(b => new { b.UpdatedAt, b.Score, b.Id }, "ix_blogs_published_latest")
                .IsDescending().HasFilter(PublishedAndActive);
            e.HasIndex(b => b.Tags, "ix_blogs_tags").HasMethod("gin").HasFilter(PublishedAndActive);
            e.HasIndex(b => new { b.AuthorId, b.UpdatedAt, b.Score, b.Id }, "ix_blogs_author")
                .IsDescending(false, true, true, true).HasFilter("status");
            e.HasIndex(b => new { b.UpdatedAt, b.Score, b.Id }, "ix_blogs_submitted")
                .IsDescending().HasFilter("submitted AND status");
        });
        GoMicro.Modules.Blog.Comments.CommentModel.Configure(model);
        // Cache invalidations commit with the change they announce (BlogViewChange), so a crash cannot lose one.
        model.AddOutbox();
        model.UseSnakeCaseColumns();
    }
}
