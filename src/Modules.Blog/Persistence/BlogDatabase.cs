using GoMicro.Modules.Blog.Authors;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>Migrations and the development seed of the Blog database.</summary>
internal sealed class BlogDatabase(IServiceScopeFactory scopes, AuthorProfiles authors, TimeProvider time, ILogger<BlogDatabase> logger)
    : ModuleDatabase<BlogDbContext>(scopes, logger)
{
    public override string Module => "blog";

    /// <summary>"BLOG" in ASCII; distinct from the Auth database's key in case both live on one server.</summary>
    protected override long MigrationLockKey => 0x424C4F47;

    /// <summary>
    /// A handful of published sample blogs by the development admin, so the lists, the similar list and Swagger UI show
    /// data on a first run. The Blog database does not know users, so it relies on the admin's well-known id
    /// (<see cref="SampleBlogs.AuthorId"/>) and first asks the Auth module whether that user exists; when it does not
    /// (or cannot be asked), the seed logs why and writes nothing. Each insert is <c>ON CONFLICT DO NOTHING</c> on the
    /// slug, so running it again changes nothing.
    /// </summary>
    protected override async Task SeedAsync(BlogDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            if (await authors.FindAsync(SampleBlogs.AuthorId, cancellationToken) is null)
            {
                logger.LogWarning("Sample blogs not seeded: the Auth module does not know the development admin {AuthorId}", SampleBlogs.AuthorId);
                return;
            }
        }
        catch (BusUnavailableException ex)
        {
            logger.LogWarning("Sample blogs not seeded: the Auth module could not be asked about their author ({Reason})", ex.Message);
            return;
        }

        var now = time.Timestamp();
        var seeded = 0;
        foreach (var (index, sample) in SampleBlogs.All.Index())
        {
            // Spread the timestamps so the latest list has a stable, meaningful order.
            var at = now.AddMinutes(index - SampleBlogs.All.Count);
            seeded += await db.Database.ExecuteSqlAsync($"""
                INSERT INTO blogs (id, title, description, text, draft_text, tags, author_id, img_url, slug, score,
                                   submitted, drafted, published, status, published_at, created_by, updated_by, created_at, updated_at)
                VALUES ({Guid.CreateVersion7(at)}, {sample.Title}, {sample.Description}, {sample.Text}, {sample.Text}, {sample.Tags},
                        {SampleBlogs.AuthorId}, {sample.ImgUrl}, {sample.Slug}, {BlogPost.InitialScore},
                        false, false, true, true, {at}, {SampleBlogs.AuthorId}, {SampleBlogs.AuthorId}, {at}, {at})
                ON CONFLICT (slug) DO NOTHING
                """, cancellationToken);
        }
        logger.LogInformation("Seeded {Count} sample blog(s)", seeded);
    }
}
