using GoMicro.Modules.Blog.AuthorLookup;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>Migrations and the development seed of the Blog database.</summary>
internal sealed class BlogDatabase(IServiceScopeFactory scopes, AuthorProfiles authors, TimeProvider time, IConfiguration configuration,
    ILogger<BlogDatabase> logger)
    : ModuleDatabase<BlogDbContext>(scopes, logger)
{
    /// <summary>How long between two questions to the Auth module while the seed waits for it.</summary>
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    public override string Module => "blog";

    public override string ConnectionStringName => "Blog";

    /// <summary>"BLOG" in ASCII; distinct from the Auth database's key in case both live on one server.</summary>
    protected override long MigrationLockKey => 0x424C4F47;

    /// <summary>
    /// A handful of published sample blogs by the development admin, so the lists, the similar list and Swagger UI show
    /// data on a first run. The Blog database does not know users, so it relies on the admin's well-known id
    /// (<see cref="SampleBlogs.AuthorId"/>) and first asks the Auth module whether that user exists. In the split the
    /// auth process may not be up yet, or not have seeded the admin yet: the question is asked again every
    /// <see cref="RetryInterval"/> until <c>Database:SeedWaitTimeout</c> (default 60 s) has passed; then the seed logs
    /// why and writes nothing. Each insert is <c>ON CONFLICT DO NOTHING</c> on the slug, so running it again changes nothing.
    /// </summary>
    protected override async Task SeedAsync(BlogDbContext db, CancellationToken cancellationToken)
    {
        if (!await AuthorKnownAsync(cancellationToken)) return;

        var now = time.Timestamp();
        var seeded = 0;
        foreach (var (index, sample) in SampleBlogs.All.Index())
        {
            // Spread the timestamps so the latest list has a stable, meaningful order.
            var at = now.AddMinutes(index - SampleBlogs.All.Count);
            seeded += await db.Database.ExecuteSqlAsync($"""
                INSERT INTO blogs (id, title, description, text, draft_text, tags, author_id, img_url, slug, score,
                                   submitted, drafted, published, status, published_at, created_by, updated_by, created_at, updated_at)
                VALUES ({Requests.BlogIds.New(at).ToByteArray()}, {sample.Title}, {sample.Description}, {sample.Text}, {sample.Text}, {sample.Tags},
                        {SampleBlogs.AuthorId}, {sample.ImgUrl}, {sample.Slug}, {BlogPost.InitialScore},
                        false, false, true, true, {at}, {SampleBlogs.AuthorId}, {SampleBlogs.AuthorId}, {at}, {at})
                ON CONFLICT (slug) DO NOTHING
                """, cancellationToken);
        }
        logger.LogInformation("Seeded {Count} sample blog(s)", seeded);
    }

    /// <summary>Whether the Auth module knows the sample blogs' author, asking until it answers or the wait is over.</summary>
    private async Task<bool> AuthorKnownAsync(CancellationToken cancellationToken)
    {
        var timeout = configuration.GetValue("Database:SeedWaitTimeout", TimeSpan.FromSeconds(60));
        var started = time.GetTimestamp();
        string? reason = null;
        while (true)
        {
            try
            {
                if (await authors.FindAsync(SampleBlogs.AuthorId, cancellationToken) is not null) return true;
                reason = $"the Auth module does not know the development admin {SampleBlogs.AuthorId}";
            }
            catch (BusUnavailableException ex)
            {
                reason = $"the Auth module could not be asked about their author ({ex.Message})";
            }
            if (time.GetElapsedTime(started) + RetryInterval > timeout)
            {
                logger.LogWarning("Sample blogs not seeded: {Reason}; gave up after {Timeout}", reason, timeout);
                return false;
            }
            if (time.GetElapsedTime(started) < RetryInterval)
                logger.LogInformation("Sample blogs wait for the Auth module: {Reason}; asking again every {Interval} for up to {Timeout}",
                    reason, RetryInterval, timeout);
            await Task.Delay(RetryInterval, time, cancellationToken);
        }
    }
}
