using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>
/// The Blog module's database. Internal: nothing outside the module reaches its table. The mapping mirrors the
/// hand-written SQL in <see cref="Migrations.InitialSchema"/>, which is the source of truth for the schema (indexes,
/// the generated full-text column and constraints live only there).
/// </summary>
internal sealed class BlogDbContext(DbContextOptions<BlogDbContext> options) : DbContext(options)
{
    /// <summary>Migration history table: its own name, so the Blog schema can share a database with another module's.</summary>
    public const string MigrationsHistoryTable = "__blog_migrations_history";

    /// <summary>The unique index behind "Blog with slug: ... already exists".</summary>
    public const string SlugIndex = "ux_blogs_slug";

    public DbSet<BlogPost> Blogs => Set<BlogPost>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<BlogPost>(e =>
        {
            e.ToTable("blogs");
            e.Property(b => b.Id).HasColumnName("id").ValueGeneratedNever();
            e.Property(b => b.Title).HasColumnName("title");
            e.Property(b => b.Description).HasColumnName("description");
            e.Property(b => b.Text).HasColumnName("text");
            e.Property(b => b.DraftText).HasColumnName("draft_text");
            e.Property(b => b.Tags).HasColumnName("tags");
            e.Property(b => b.AuthorId).HasColumnName("author_id");
            e.Property(b => b.ImgUrl).HasColumnName("img_url");
            e.Property(b => b.Slug).HasColumnName("slug");
            e.Property(b => b.Score).HasColumnName("score");
            e.Property(b => b.Submitted).HasColumnName("submitted");
            e.Property(b => b.Drafted).HasColumnName("drafted");
            e.Property(b => b.Published).HasColumnName("published");
            e.Property(b => b.Status).HasColumnName("status");
            e.Property(b => b.PublishedAt).HasColumnName("published_at");
            e.Property(b => b.CreatedBy).HasColumnName("created_by");
            e.Property(b => b.UpdatedBy).HasColumnName("updated_by");
            e.Property(b => b.CreatedAt).HasColumnName("created_at");
            e.Property(b => b.UpdatedAt).HasColumnName("updated_at");
            e.HasIndex(b => b.Slug).IsUnique().HasDatabaseName(SlugIndex);
        });
    }
}
