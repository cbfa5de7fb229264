using GoMicro.Shared.Persistence;
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
            e.Property(b => b.Id).ValueGeneratedNever();
            e.HasIndex(b => b.Slug).IsUnique().HasDatabaseName(SlugIndex);
        });
        model.UseSnakeCaseColumns();
    }
}
